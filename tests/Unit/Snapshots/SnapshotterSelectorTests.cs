using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Snapshots;
using Xunit;

namespace PSContainer.Tests.Snapshots;

/// <summary>How the engine picks its snapshotter: the setting first, else whether overlay works in the store.</summary>
public sealed class SnapshotterSelectorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("overlay", SnapshotterKind.Overlay)]
    [InlineData("Overlay", SnapshotterKind.Overlay)]
    [InlineData(" overlayfs ", SnapshotterKind.Overlay)]
    [InlineData("copy", SnapshotterKind.Copy)]
    [InlineData("COPY", SnapshotterKind.Copy)]
    [InlineData("native", SnapshotterKind.Copy)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Setting_is_parsed(string? setting, SnapshotterKind? expected) =>
        Assert.Equal(expected, SnapshotterSelector.Parse(setting));

    [Fact]
    public void Unknown_setting_is_an_invalid_argument_naming_the_variable()
    {
        var ex = Assert.Throws<ContainerRuntimeException>(() => SnapshotterSelector.Parse("zfs"));
        Assert.Equal(("SnapshotterInvalid", ErrorKind.InvalidArgument), (ex.ErrorId, ex.Kind));
        Assert.Contains("PSCONTAINER_SNAPSHOTTER", ex.Message);
    }

    [Fact]
    public void Setting_wins_over_detection()
    {
        Assert.Equal(SnapshotterKind.Copy, SnapshotterSelector.Choose(_temp.Combine("snapshots"), "copy"));
        Assert.Equal(SnapshotterKind.Overlay, SnapshotterSelector.Choose(_temp.Combine("snapshots"), "overlay"));
    }

    [Fact]
    public void Copy_driver_keeps_its_snapshots_apart_from_overlays()
    {
        string snapshots = _temp.Combine("snapshots");
        var copy = SnapshotterSelector.Create(SnapshotterKind.Copy, snapshots);
        var overlay = SnapshotterSelector.Create(SnapshotterKind.Overlay, snapshots);
        Assert.IsType<CopySnapshotter>(copy);
        Assert.IsType<OverlaySnapshotter>(overlay);
        Assert.Equal(Path.Combine(snapshots, "copy"), copy.Root);
        Assert.Equal(snapshots, overlay.Root);
    }

    [Fact]
    public void Detection_picks_overlay_where_the_kernel_builds_one_and_copy_on_an_overlay_upper()
    {
        // As root on a kernel with overlayfs (this machine), a directory on ext4 or tmpfs can hold an overlay's
        // upper and work directories; a directory that is itself inside an overlay mount cannot (the kernel
        // refuses overlayfs as an upper filesystem), so a store there gets the copy driver.
        string plain = Directory.CreateDirectory(_temp.Combine("plain")).FullName;
        Assert.True(OverlayProbe.CanMountIn(plain));
        Assert.Equal(SnapshotterKind.Overlay, SnapshotterSelector.Choose(plain, null));
        Assert.Empty(Directory.EnumerateFileSystemEntries(plain)); // the probe's directories are gone

        var mount = new Mount
        {
            Type = "overlay",
            Source = "overlay",
            Options = ["lowerdir+=" + Directory.CreateDirectory(_temp.Combine("l")).FullName,
                "upperdir=" + Directory.CreateDirectory(_temp.Combine("u")).FullName,
                "workdir=" + Directory.CreateDirectory(_temp.Combine("w")).FullName],
        };
        OverlayMountHelper.WithMount(mount, _temp.Combine("merged"), merged =>
        {
            string store = Directory.CreateDirectory(Path.Combine(merged, "store")).FullName;
            Assert.False(OverlayProbe.CanMountIn(store));
            Assert.Equal(SnapshotterKind.Copy, SnapshotterSelector.Choose(store, null));
        });
    }
}
