using System.Text;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using Xunit;

namespace PSContainer.Tests.Containers;

/// <summary>docker's --env-file rules (docker/cli opts/envfile.go), and where they sit in the container's environment.</summary>
public sealed class EnvFileTests : IDisposable
{
    private static readonly Dictionary<string, string> Caller = new() { ["FROM_CALLER"] = "caller's value", ["EMPTY_IN_CALLER"] = "" };
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] Parse(string content) =>
        [.. EnvFile.Parse(Encoding.UTF8.GetBytes(content), "test.env", n => Caller.GetValueOrDefault(n)).Select(v => v.Key + "=" + v.Value)];

    [Theory]
    [InlineData("A=1", new[] { "A=1" })]
    [InlineData("A=1\nB=2\n", new[] { "A=1", "B=2" })]
    [InlineData("A=1\r\nB=2\r\n", new[] { "A=1", "B=2" })]
    [InlineData("# a comment\n\n   \nA=1\n  # an indented comment", new[] { "A=1" })]
    [InlineData("   \tA=indented", new[] { "A=indented" })]
    [InlineData("A=\"quoted\"", new[] { "A=\"quoted\"" })]
    [InlineData("A='single'", new[] { "A='single'" })]
    [InlineData("A=trailing spaces  ", new[] { "A=trailing spaces  " })]
    [InlineData("A= leading", new[] { "A= leading" })]
    [InlineData("A=b=c", new[] { "A=b=c" })]
    [InlineData("A=", new[] { "A=" })]
    [InlineData("A=value # not a comment", new[] { "A=value # not a comment" })]
    [InlineData("A=1\nA=2", new[] { "A=1", "A=2" })]
    [InlineData("lower.case-name=ok", new[] { "lower.case-name=ok" })]
    [InlineData("\uFEFFA=1", new[] { "A=1" })]
    public void LinesAreReadAsDockerReadsThem(string content, string[] expected) =>
        Assert.Equal(expected, Parse(content));

    [Fact]
    public void ANameAloneTakesTheCallersValueAndIsLeftOutWhenUnset() =>
        Assert.Equal(["FROM_CALLER=caller's value", "EMPTY_IN_CALLER="], Parse("FROM_CALLER\nNOT_SET_ANYWHERE\n  EMPTY_IN_CALLER"));

    [Theory]
    [InlineData("=value", 1, "no variable name")]
    [InlineData("A=1\nMY VAR=value", 2, "\"MY VAR\" contains whitespace")]
    [InlineData("A=1\n\nTAB\tVAR=value", 3, "contains whitespace")]
    [InlineData("NAME WITH SPACE", 1, "contains whitespace")]
    [InlineData("TRAILING =value", 1, "contains whitespace")]
    [InlineData("A=nul\0inside", 1, "NUL")]
    public void AnInvalidLineIsAnErrorNamingFileAndLine(string content, int line, string why)
    {
        var e = Assert.Throws<ContainerRuntimeException>(() => Parse(content));

        Assert.Equal(("EnvFileInvalid", ErrorKind.InvalidArgument), (e.ErrorId, e.Kind));
        Assert.Contains($"test.env, line {line}: ", e.Message);
        Assert.Contains(why, e.Message);
    }

    [Fact]
    public void BytesThatAreNotUtf8AreRefused()
    {
        var e = Assert.Throws<ContainerRuntimeException>(() => EnvFile.Parse([.. "A=1\nB="u8, 0xFF, (byte)'\n'], "bad.env", _ => null));

        Assert.Equal("EnvFileInvalid", e.ErrorId);
        Assert.Contains("line 2: is not valid UTF-8", e.Message);
    }

    [Fact]
    public void AFileIsReadFromDiskAndAMissingOneIsNotFound()
    {
        string path = _temp.Combine("app.env");
        File.WriteAllText(path, "A=1\n");

        Assert.Equal([new KeyValuePair<string, string>("A", "1")], EnvFile.Read(path, _ => null));
        var missing = Assert.Throws<ContainerRuntimeException>(() => EnvFile.Read(_temp.Combine("nope.env"), _ => null));
        var directory = Assert.Throws<ContainerRuntimeException>(() => EnvFile.Read(_temp.Path, _ => null));
        Assert.Equal(("EnvFileNotFound", ErrorKind.NotFound), (missing.ErrorId, missing.Kind));
        Assert.Equal(_temp.Combine("nope.env"), missing.Target);
        Assert.Contains("nope.env: no such file", missing.Message);
        Assert.Equal("EnvFileUnreadable", directory.ErrorId);
    }

    [Fact]
    public void TheImageEnvIsOverriddenByEnvFilesInOrderAndThoseByEnvironment()
    {
        var env = SpecBuilder.Build(
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            new() { Config = new() { Cmd = ["sh"], Env = ["PATH=/image", "IMAGE=image", "FILE=image", "PARAM=image"] } },
            new RunOptions
            {
                EnvFileVariables = [new("FILE", "first file"), new("PARAM", "file"), new("ONLY_FILE", "x"), new("FILE", "second file")],
                Environment = new Dictionary<string, string> { ["PARAM"] = "parameter" },
            }).Process.Env;

        Assert.Equal(["PATH=/image", "IMAGE=image", "FILE=second file", "PARAM=parameter", "HOSTNAME=0123456789ab", "ONLY_FILE=x", "HOME=/"], env);
    }
}
