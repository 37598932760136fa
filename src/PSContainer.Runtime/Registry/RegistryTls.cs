using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Registry;

/// <summary>
/// TLS settings for one registry host from docker's certs.d layout (docker's <c>registry.ReadCertsDirectory</c>):
/// in <c>&lt;certs-directory&gt;/&lt;host[:port]&gt;/</c>, every <c>*.crt</c> is a CA trusted for that host in addition
/// to the system's, and every <c>*.cert</c> with a matching <c>*.key</c> is a client certificate. A <c>*.cert</c>
/// without its key (or the reverse) is an error, as in docker.
/// </summary>
public sealed class RegistryTls
{
    private RegistryTls(string host, IReadOnlyList<X509Certificate2> authorities, IReadOnlyList<X509Certificate2> clientCertificates, IReadOnlyList<string> sources)
    {
        Host = host;
        Authorities = authorities;
        ClientCertificates = clientCertificates;
        Sources = sources;
    }

    public string Host { get; }

    /// <summary>Extra certificate authorities trusted for this host.</summary>
    public IReadOnlyList<X509Certificate2> Authorities { get; }

    public IReadOnlyList<X509Certificate2> ClientCertificates { get; }

    /// <summary>The directories the settings came from.</summary>
    public IReadOnlyList<string> Sources { get; }

    public bool IsEmpty => Authorities.Count == 0 && ClientCertificates.Count == 0;

    /// <summary>Reads the settings for <paramref name="host"/> (host[:port] exactly as in image references).</summary>
    public static RegistryTls Load(string host, IEnumerable<string> certsDirectories)
    {
        var authorities = new List<X509Certificate2>();
        var clients = new List<X509Certificate2>();
        var sources = new List<string>();
        // ':' is legal in a Linux file name, so host:port is the directory name (docker's layout).
        if (host.Contains('/', StringComparison.Ordinal) || host is "." or "..")
        {
            return new RegistryTls(host, authorities, clients, sources);
        }
        foreach (string root in certsDirectories)
        {
            string directory = Path.Combine(root, host);
            if (!Directory.Exists(directory))
            {
                continue;
            }
            sources.Add(directory);
            foreach (string file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                if (name.EndsWith(".crt", StringComparison.Ordinal))
                {
                    authorities.AddRange(ReadCertificates(file));
                }
                else if (name.EndsWith(".cert", StringComparison.Ordinal))
                {
                    string key = Path.ChangeExtension(file, ".key");
                    if (!File.Exists(key))
                    {
                        throw Invalid(file, $"missing key {Path.GetFileName(key)} for client certificate {name}");
                    }
                    clients.Add(ReadClientCertificate(file, key));
                }
                else if (name.EndsWith(".key", StringComparison.Ordinal) && !File.Exists(Path.ChangeExtension(file, ".cert")))
                {
                    throw Invalid(file, $"missing client certificate {Path.ChangeExtension(name, ".cert")} for key {name}");
                }
            }
        }
        return new RegistryTls(host, authorities, clients, sources);
    }

    private static IEnumerable<X509Certificate2> ReadCertificates(string file)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(file);
        }
        catch (CryptographicException e)
        {
            throw Invalid(file, e.Message, e);
        }
        if (collection.Count == 0)
        {
            throw Invalid(file, "no PEM certificate in the file");
        }
        return collection;
    }

    private static X509Certificate2 ReadClientCertificate(string certificate, string key)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificate, key);
            // SslStream on Linux needs the key in an exportable, non-ephemeral form for client authentication.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw Invalid(certificate, e.Message, e);
        }
    }

    private static ContainerRuntimeException Invalid(string file, string why, Exception? inner = null) =>
        new(ErrorKind.InvalidArgument, "InvalidRegistryCertificate", $"registry certificate {file}: {why}", inner) { Target = file };

    /// <summary>
    /// Certificate validation for this host: the system's verdict, else a chain built to one of the extra
    /// authorities (the host name must still match). With <paramref name="skipVerify"/> everything passes
    /// (an insecure registry: TLS without verification).
    /// </summary>
    public RemoteCertificateValidationCallback Validator(bool skipVerify) => (_, certificate, chain, errors) =>
    {
        if (skipVerify || errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (Authorities.Count == 0 || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(Authorities.ToArray());
        if (chain is not null)
        {
            // Intermediates the server sent.
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };
}
