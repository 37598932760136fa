using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;
using Xunit;

namespace PSContainer.Tests.Images;

public class ImageNamesTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ImageRecord Image(string name, char id) => new()
    {
        Name = name,
        Config = Digest.Parse("sha256:" + new string(id, 64)),
        Manifest = new() { Digest = Digest.Parse("sha256:" + new string((char)(id + 1), 64)) },
        Target = new() { Digest = Digest.Parse("sha256:" + new string((char)(id + 1), 64)) },
        Created = Now.AddDays(-1),
    };

    [Fact]
    public void A_name_that_moves_to_another_image_leaves_the_old_image_dangling()
    {
        var records = new List<ImageRecord>();
        ImageNames.Put(records, Image("docker.io/library/app:latest", 'a'), Now);
        ImageNames.Put(records, Image("docker.io/library/app:latest", 'c'), Now);
        Assert.Equal(2, records.Count);
        var dangling = Assert.Single(records, r => r.IsDangling);
        Assert.Equal(Image("", 'a').Config, dangling.Config);
        Assert.Equal(Now, dangling.Updated);
        Assert.Equal(Image("", 'c').Config, Assert.Single(records, r => !r.IsDangling).Config);
    }

    [Fact]
    public void An_image_with_another_name_does_not_dangle_and_a_named_again_one_stops_dangling()
    {
        var records = new List<ImageRecord>();
        ImageNames.Put(records, Image("docker.io/library/app:1", 'a'), Now);
        ImageNames.Put(records, Image("docker.io/library/app:latest", 'a'), Now);
        ImageNames.Put(records, Image("docker.io/library/app:latest", 'c'), Now);
        Assert.DoesNotContain(records, r => r.IsDangling);

        Assert.True(ImageNames.Untag(records, "docker.io/library/app:1", Now));
        Assert.Single(records, r => r.IsDangling);
        ImageNames.Put(records, Image("docker.io/library/back:1", 'a'), Now);
        Assert.DoesNotContain(records, r => r.IsDangling);
        Assert.False(ImageNames.Untag(records, "docker.io/library/nothing:1", Now));
    }

    [Fact]
    public void Re_pointing_a_name_keeps_its_creation_time()
    {
        var records = new List<ImageRecord>();
        ImageNames.Put(records, Image("docker.io/library/app:latest", 'a') with { Created = Now.AddDays(-5) }, Now);
        ImageNames.Put(records, Image("docker.io/library/app:latest", 'a') with { Created = Now }, Now);
        Assert.Equal(Now.AddDays(-5), Assert.Single(records).Created);
    }

    [Fact]
    public void Deleting_an_image_removes_all_its_names_and_its_dangling_record()
    {
        var records = new List<ImageRecord>();
        ImageNames.Put(records, Image("docker.io/library/a:1", 'a'), Now);
        ImageNames.Put(records, Image("docker.io/library/a:2", 'a'), Now);
        ImageNames.AddDangling(records, Image("", 'c'));
        ImageNames.AddDangling(records, Image("x", 'a'));
        Assert.Equal(3, records.Count);
        Assert.Equal(["docker.io/library/a:1", "docker.io/library/a:2"], ImageNames.Delete(records, Image("", 'a').Config));
        Assert.True(Assert.Single(records).IsDangling);
        Assert.Empty(ImageNames.Delete(records, Image("", 'c').Config));
        Assert.Empty(records);
    }
}
