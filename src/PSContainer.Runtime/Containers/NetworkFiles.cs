using System.Net;
using System.Text;
using PSContainer.Runtime.Spec;
using PSContainer.Runtime.State;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// The three files docker generates for every container and bind-mounts over the image's: <c>/etc/hosts</c>,
/// <c>/etc/hostname</c> and <c>/etc/resolv.conf</c>. They live in the container's directory (the bundle), written
/// once when the container is created, so a container's own edits to them survive a restart, as with docker.
/// </summary>
public static class NetworkFiles
{
    public const string HostsFile = "hosts";
    public const string HostnameFile = "hostname";
    public const string ResolvConfFile = "resolv.conf";

    /// <summary>The hosts file of a container without a network of its own besides loopback (docker's base lines).</summary>
    private const string LoopbackHosts =
        "127.0.0.1\tlocalhost\n" +
        "::1\tlocalhost ip6-localhost ip6-loopback\n" +
        "fe00::0\tip6-localnet\n" +
        "ff00::0\tip6-mcastprefix\n" +
        "ff02::1\tip6-allnodes\n" +
        "ff02::2\tip6-allrouters\n";

    /// <summary>docker's fallback when no usable nameserver is left (libnetwork resolvconf: Google's public DNS).</summary>
    private static readonly string[] DefaultNameservers = ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"];

    /// <summary>
    /// The bind mounts for the three files; sources are relative to the bundle (runtime-spec config.md). They are
    /// writable unless the root filesystem is read-only, as docker mounts them.
    /// </summary>
    public static IReadOnlyList<MountSpec> Mounts(bool readOnly)
    {
        List<string> options = ["rbind", "rprivate", "nosuid", "nodev", "noexec"];
        if (readOnly)
        {
            options.Add("ro");
        }

        return
        [
            new MountSpec { Destination = "/etc/hosts", Type = "bind", Source = HostsFile, Options = options },
            new MountSpec { Destination = "/etc/hostname", Type = "bind", Source = HostnameFile, Options = options },
            new MountSpec { Destination = "/etc/resolv.conf", Type = "bind", Source = ResolvConfFile, Options = options },
        ];
    }

    /// <summary>Writes the three files into the directory of a container being created (in place: see AtomicFile.WriteUnpublished).</summary>
    public static void Write(string directory, RuntimeSpec spec)
    {
        bool privateNetwork = spec.Linux.Namespaces.Any(n => n.Type == "network" && string.IsNullOrEmpty(n.Path));
        string hostname = spec.Hostname ?? "";
        Write(directory, HostnameFile, hostname + "\n");
        Write(directory, HostsFile, privateNetwork ? LoopbackHosts : ReadHost("/etc/hosts") ?? LoopbackHosts);
        Write(directory, ResolvConfFile, ResolvConf(ReadHost("/etc/resolv.conf") ?? "", privateNetwork));
    }

    /// <summary>
    /// The host's resolv.conf as a container sees it: in a network namespace of its own, loopback nameservers (a
    /// local caching resolver such as systemd-resolved's 127.0.0.53) are unreachable and are dropped; when none is
    /// left, docker's default nameservers are used. With the host's network it is the host's file unchanged.
    /// </summary>
    public static string ResolvConf(string host, bool privateNetwork)
    {
        if (!privateNetwork)
        {
            return host;
        }

        StringBuilder result = new();
        bool anyNameserver = false;
        foreach (string line in host.Split('\n'))
        {
            string[] fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && fields[0] == "nameserver")
            {
                string address = fields[1].Split('%')[0];
                if (IPAddress.TryParse(address, out IPAddress? ip) && IPAddress.IsLoopback(ip))
                {
                    continue;
                }

                anyNameserver = true;
            }

            if (line.Length > 0)
            {
                result.Append(line.TrimEnd('\r')).Append('\n');
            }
        }

        if (!anyNameserver)
        {
            foreach (string ns in DefaultNameservers)
            {
                result.Append("nameserver ").Append(ns).Append('\n');
            }
        }

        return result.ToString();
    }

    private static string? ReadHost(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Write(string directory, string name, string content) =>
        AtomicFile.WriteUnpublished(Path.Combine(directory, name), Encoding.UTF8.GetBytes(content));
}
