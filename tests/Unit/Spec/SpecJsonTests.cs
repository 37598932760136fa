using System.Text.Json;
using PSContainer.Runtime.Registry;
using PSContainer.Runtime.Spec;
using Xunit;

namespace PSContainer.Tests.Spec;

/// <summary>Documents with members left out keep their defaults: no null collections reach the engine.</summary>
public class SpecJsonTests
{
    [Fact]
    public void An_empty_image_config_has_empty_rootfs_and_defaults()
    {
        var config = JsonSerializer.Deserialize("{}", SpecJsonContext.Default.ImageConfig)!;
        Assert.NotNull(config.RootFS);
        Assert.Empty(config.RootFS.DiffIds);
        Assert.Equal("", config.OS);
    }

    [Fact]
    public void A_manifest_without_layers_has_an_empty_list()
    {
        var manifest = JsonSerializer.Deserialize("{\"schemaVersion\":2}", SpecJsonContext.Default.ImageManifest)!;
        Assert.Empty(manifest.Layers);
        Assert.NotNull(manifest.Config);
        Assert.Empty(JsonSerializer.Deserialize("{}", SpecJsonContext.Default.ImageIndex)!.Manifests);
    }

    [Fact]
    public void A_runtime_spec_with_only_args_has_every_default()
    {
        var spec = JsonSerializer.Deserialize("{\"process\":{\"args\":[\"sh\"]}}", SpecJsonContext.Default.RuntimeSpec)!;
        Assert.Equal("/", spec.Process.Cwd);
        Assert.Empty(spec.Process.Env);
        Assert.Empty(spec.Mounts);
        Assert.Empty(spec.Linux.Namespaces);
        Assert.Equal("rootfs", spec.Root.Path);
    }

    [Fact]
    public void An_empty_registry_config_has_no_mirrors()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "{}");
            var config = RegistryConfig.Load(path);
            Assert.Empty(config.RegistryMirrors);
            Assert.Empty(config.InsecureRegistries);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
