using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// The default seccomp profile of the container ecosystem, read from the file that podman, buildah and cri-o share
/// (Debian package containers-common: <c>/usr/share/containers/seccomp.json</c>, overridable in
/// <c>/etc/containers/seccomp.json</c>), and its evaluation for one container into linux.seccomp: a rule's
/// "includes" must all hold and none of its "excludes" (capabilities the container holds, the architecture, the
/// kernel version), as moby's and containers/common's profile loaders decide.
/// </summary>
public static class SeccompProfile
{
    /// <summary>Where the default profile is looked for, first match wins (containers-common's own order).</summary>
    public static IReadOnlyList<string> DefaultPaths { get; } = ["/etc/containers/seccomp.json", "/usr/share/containers/seccomp.json"];

    private static readonly ConcurrentDictionary<string, (DateTime Modified, SeccompProfileDocument Profile)> Cache = new();

    /// <summary>The default profile document (parsed once per process and file version).</summary>
    public static SeccompProfileDocument LoadDefault()
    {
        string? path = DefaultPaths.FirstOrDefault(File.Exists);
        return path is null
            ? throw ContainerRuntimeException.NotFound("SeccompProfileNotFound",
                $"seccomp profile: none of {string.Join(", ", DefaultPaths)} exists (install the Debian package containers-common)")
            : Load(path);
    }

    public static SeccompProfileDocument Load(string path)
    {
        DateTime modified = File.GetLastWriteTimeUtc(path);
        if (Cache.TryGetValue(path, out var cached) && cached.Modified == modified)
        {
            return cached.Profile;
        }

        SeccompProfileDocument profile;
        try
        {
            profile = JsonSerializer.Deserialize(File.ReadAllBytes(path), SpecJsonContext.Default.SeccompProfileDocument)
                ?? throw new JsonException("the document is null");
        }
        catch (JsonException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "SeccompProfileInvalid", $"seccomp profile {path}: {e.Message}", e) { Target = path };
        }

        Cache[path] = (modified, profile);
        return profile;
    }

    /// <summary>
    /// The filter for a container holding <paramref name="capabilities"/> (its bounding set, CAP_* names) on the
    /// running machine's architecture and kernel.
    /// </summary>
    public static SeccompSpec ToSpec(SeccompProfileDocument profile, IReadOnlyCollection<string> capabilities) =>
        ToSpec(profile, capabilities, RuntimeInformation.ProcessArchitecture, Environment.OSVersion.Version);

    public static SeccompSpec ToSpec(SeccompProfileDocument profile, IReadOnlyCollection<string> capabilities, Architecture architecture, Version kernel)
    {
        (string goArch, string scmpArch) = architecture switch
        {
            Architecture.X64 => ("amd64", "SCMP_ARCH_X86_64"),
            Architecture.Arm64 => ("arm64", "SCMP_ARCH_AARCH64"),
            _ => throw new ContainerRuntimeException(ErrorKind.NotImplemented, "SeccompArchitectureUnsupported",
                $"seccomp: architecture {architecture} is not supported"),
        };

        IReadOnlyList<string> architectures = profile.ArchMap is { Count: > 0 } map
            ? map.Where(m => m.Architecture == scmpArch).SelectMany(m => new[] { m.Architecture }.Concat(m.SubArchitectures)).ToList()
            : profile.Architectures ?? [];

        HashSet<string> held = new(capabilities, StringComparer.Ordinal);
        List<SeccompSyscall> rules = [];
        foreach (SeccompProfileRule rule in profile.Syscalls)
        {
            if (!Applies(rule, held, goArch, kernel))
            {
                continue;
            }

            IReadOnlyList<string> names = rule.Names is { Count: > 0 } list ? list : rule.Name is { Length: > 0 } one ? [one] : [];
            if (names.Count > 0)
            {
                rules.Add(new SeccompSyscall { Names = names, Action = rule.Action, ErrnoRet = rule.ErrnoRet, Args = rule.Args is { Count: > 0 } a ? a : null });
            }
        }

        return new SeccompSpec
        {
            DefaultAction = profile.DefaultAction,
            DefaultErrnoRet = profile.DefaultErrnoRet,
            Architectures = architectures,
            Flags = profile.Flags is { Count: > 0 } flags ? flags : null,
            Syscalls = rules,
        };
    }

    private static bool Applies(SeccompProfileRule rule, HashSet<string> held, string arch, Version kernel)
    {
        if (rule.Includes is { } inc)
        {
            if (inc.Arches is { Count: > 0 } arches && !arches.Contains(arch))
            {
                return false;
            }

            if (inc.Caps is { Count: > 0 } caps && !caps.All(held.Contains))
            {
                return false;
            }

            if (inc.MinKernel is { Length: > 0 } min && kernel < ParseKernel(min))
            {
                return false;
            }
        }

        if (rule.Excludes is { } exc)
        {
            if (exc.Arches is { Count: > 0 } arches && arches.Contains(arch))
            {
                return false;
            }

            if (exc.Caps is { Count: > 0 } caps && caps.Any(held.Contains))
            {
                return false;
            }

            if (exc.MinKernel is { Length: > 0 } min && kernel >= ParseKernel(min))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>"4.8" or "5.10.2" as a comparable version (major.minor only, as the profiles use it).</summary>
    private static Version ParseKernel(string text)
    {
        string[] parts = text.Split('.');
        return parts.Length >= 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major) &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? new Version(major, minor)
            : throw ContainerRuntimeException.InvalidArgument("SeccompProfileInvalid", $"seccomp profile: minKernel \"{text}\" is not major.minor", text);
    }
}
