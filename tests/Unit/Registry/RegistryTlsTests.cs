using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Registry;
using Xunit;

namespace PSContainer.Tests.Registry;

/// <summary>docker's certs.d layout and what it means for TLS verification (certificates made here with .NET's CertificateRequest).</summary>
public sealed class RegistryTlsTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static X509Certificate2 Authority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Leaf(X509Certificate2 authority, string host)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        return request.Create(authority, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]).CopyWithPrivateKey(key);
    }

    private string HostDirectory(string host)
    {
        string directory = _temp.Combine("certs.d", host);
        Directory.CreateDirectory(directory);
        return directory;
    }

    [Fact]
    public void The_certs_d_authorities_of_a_host_validate_its_chain_and_nothing_else()
    {
        var authority = Authority("test-ca");
        File.WriteAllText(Path.Combine(HostDirectory("reg.example:5000"), "ca.crt"), authority.ExportCertificatePem());
        var tls = RegistryTls.Load("reg.example:5000", [_temp.Combine("certs.d"), _temp.Combine("absent")]);
        Assert.Single(tls.Authorities);
        var validate = tls.Validator(skipVerify: false);

        var good = Leaf(authority, "reg.example");
        Assert.True(validate(this, good, null, SslPolicyErrors.RemoteCertificateChainErrors));
        var stranger = Leaf(Authority("other-ca"), "reg.example");
        Assert.False(validate(this, stranger, null, SslPolicyErrors.RemoteCertificateChainErrors));
        // The host name must still match: an extra CA does not excuse a certificate for another host.
        Assert.False(validate(this, good, null, SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.True(tls.Validator(skipVerify: true)(this, stranger, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Empty(RegistryTls.Load("elsewhere.example", [_temp.Combine("certs.d")]).Authorities);
    }

    [Fact]
    public void A_client_certificate_needs_its_key_and_loads_with_it()
    {
        var authority = Authority("client-ca");
        var client = Leaf(authority, "client");
        string directory = HostDirectory("reg.example");
        File.WriteAllText(Path.Combine(directory, "client.cert"), client.ExportCertificatePem());
        var error = Assert.Throws<ContainerRuntimeException>(() => RegistryTls.Load("reg.example", [_temp.Combine("certs.d")]));
        Assert.Equal("InvalidRegistryCertificate", error.ErrorId);

        File.WriteAllText(Path.Combine(directory, "client.key"), client.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        var tls = RegistryTls.Load("reg.example", [_temp.Combine("certs.d")]);
        Assert.True(Assert.Single(tls.ClientCertificates).HasPrivateKey);
    }

    [Fact]
    public void A_file_that_is_not_PEM_is_InvalidRegistryCertificate()
    {
        File.WriteAllText(Path.Combine(HostDirectory("reg.example"), "ca.crt"), "not a certificate");
        var error = Assert.Throws<ContainerRuntimeException>(() => RegistryTls.Load("reg.example", [_temp.Combine("certs.d")]));
        Assert.Equal("InvalidRegistryCertificate", error.ErrorId);
    }

    [Theory]
    [InlineData("10.1.2.3:5000", true)]
    [InlineData("10.9.0.1", true)]
    [InlineData("11.0.0.1:5000", false)]
    [InlineData("reg.example:5000", false)]
    public void Insecure_registries_may_be_CIDR_ranges(string host, bool insecure) =>
        Assert.Equal(insecure, new RegistryConfig { InsecureRegistries = ["10.0.0.0/8"], CertsDirectories = [] }.IsInsecure(host));

    [Fact]
    public void Loopback_is_insecure_unless_certs_d_has_a_directory_for_it()
    {
        var config = new RegistryConfig { CertsDirectories = [_temp.Combine("certs.d")] };
        Assert.True(config.IsInsecure("127.0.0.1:5000"));
        HostDirectory("127.0.0.1:5000");
        Assert.False(config.IsInsecure("127.0.0.1:5000"));
        Assert.True(config.IsInsecure("127.0.0.1:5001"));
        Assert.True((config with { InsecureRegistries = ["127.0.0.1:5000"] }).IsInsecure("127.0.0.1:5000"));
    }

    [Fact]
    public void The_config_file_names_certs_directories_and_validates_insecure_entries()
    {
        string path = _temp.Combine("config.json");
        File.WriteAllText(path, """{ "certs-directories": ["/srv/certs.d"], "insecure-registries": ["10.0.0.0/8", "reg:5000"] }""");
        var config = RegistryConfig.Load(path);
        Assert.Equal(["/srv/certs.d"], config.CertsDirectories);
        Assert.Equal(RegistryConfig.DefaultCertsDirectories, RegistryConfig.Load(_temp.Combine("absent.json")).CertsDirectories);

        File.WriteAllText(path, """{ "insecure-registries": ["10.0.0.0/99"] }""");
        Assert.Equal("InvalidRegistryConfig", Assert.Throws<ContainerRuntimeException>(() => RegistryConfig.Load(path)).ErrorId);
    }
}
