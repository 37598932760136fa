// Usage: dotnet run -c Release -- <store dir> <layer counts, e.g. 1,100> [rounds]
// For each count n: builds a chain of n one-file layers (written with TarWriter) in an OverlaySnapshotter under
// <store dir>, then times, per round: PrepareRootfs on a fresh snapshotter instance (nothing cached: what a new
// pwsh session pays), PrepareRootfs again (cached), and the mount the shim performs (Mounter.Mount of the
// returned record, then a detached unmount). Prints the median and the maximum of each. Needs root (mount).
using System.Diagnostics;
using System.Formats.Tar;
using PSContainer.Runtime.Layers;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Snapshots;
using PSContainer.Runtime.Spec;

string store = Path.GetFullPath(args[0]);
int[] counts = args[1].Split(',').Select(int.Parse).ToArray();
int rounds = args.Length > 2 ? int.Parse(args[2]) : 21;
string snapshots = Path.Combine(store, "snapshots");

foreach (int n in counts)
{
    var builder = new OverlaySnapshotter(snapshots);
    Digest? top = null;
    for (int i = 0; i < n; i++)
    {
        byte[] tar = Layer($"layer-{i:D4}");
        var layer = new LayerSource(Digest.Compute(tar), MediaTypes.OciLayer, () => new MemoryStream(tar));
        var chainId = ChainIds.Next(top, layer.DiffId);
        await builder.EnsureAsync(chainId, top, layer, CancellationToken.None);
        top = chainId;
    }
    var cold = new List<double>();
    var warm = new List<double>();
    var mount = new List<double>();
    for (int round = 0; round < rounds; round++)
    {
        string container = Path.Combine(store, "containers", $"{n}-{round}");
        var sw = Stopwatch.StartNew();
        var fresh = new OverlaySnapshotter(snapshots);
        var mounts = fresh.PrepareRootfs(top, Path.Combine(container, "upper"), Path.Combine(container, "work"));
        cold.Add(sw.Elapsed.TotalMilliseconds);
        sw.Restart();
        mounts = fresh.PrepareRootfs(top, Path.Combine(container, "upper"), Path.Combine(container, "work"));
        warm.Add(sw.Elapsed.TotalMilliseconds);
        string target = Directory.CreateDirectory(Path.Combine(container, "rootfs")).FullName;
        sw.Restart();
        Mounter.Mount(mounts[0], target);
        mount.Add(sw.Elapsed.TotalMilliseconds);
        if (round == 0 && Directory.EnumerateFiles(target, "layer-*").Count() != n)
        {
            throw new InvalidOperationException($"the rootfs of {n} layers does not show {n} files");
        }
        Mounter.Unmount(target, detach: true);
    }
    Console.WriteLine($"{n,4} layers: PrepareRootfs cold {Median(cold):F2} ms (max {cold.Max():F2}), " +
        $"cached {Median(warm):F2} ms (max {warm.Max():F2}); overlay mount {Median(mount):F2} ms (max {mount.Max():F2}); " +
        $"total cold+mount {Median(cold.Zip(mount, (a, b) => a + b).ToList()):F2} ms");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

static byte[] Layer(string name)
{
    var stream = new MemoryStream();
    using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
    {
        writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream("x"u8.ToArray()) });
    }
    return stream.ToArray();
}
