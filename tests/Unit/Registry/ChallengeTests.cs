using PSContainer.Runtime.Registry.Auth;
using Xunit;

namespace PSContainer.Tests.Registry;

public class ChallengeTests
{
    [Fact]
    public void Parses_a_docker_hub_bearer_challenge()
    {
        var challenge = Assert.Single(Challenge.Parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\""));
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("https://auth.docker.io/token", challenge.Realm);
        Assert.Equal("registry.docker.io", challenge.Service);
        Assert.Equal("repository:library/busybox:pull", challenge.Scope);
    }

    [Fact]
    public void Parses_several_challenges_and_ranks_bearer_first()
    {
        var challenges = Challenge.Parse("Basic realm=\"reg\", Bearer realm=\"https://a/t\", service=\"s\"");
        Assert.Equal(["Bearer", "Basic"], challenges.Select(c => c.Scheme));
        Assert.Equal("reg", challenges[1].Realm);
        Assert.Equal("s", challenges[0].Service);
    }

    [Fact]
    public void Unquotes_escaped_characters() =>
        Assert.Equal("a\"b", Challenge.Parse("Bearer realm=\"a\\\"b\"")[0].Realm);
}
