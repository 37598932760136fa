using System.Collections.Concurrent;
using System.Security.Cryptography;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Process;

/// <summary>
/// linux.seccomp compiled to BPF. libseccomp takes 10–20 ms to turn docker's profile into BPF, so the engine compiles
/// each distinct filter once per process and leaves the program in the bundle's init.bin (<see cref="PreparedBundle"/>);
/// psc-shim compiles only when that file does not match config.json (<see cref="LoadBundle"/>).
/// </summary>
public static class SeccompProgramCache
{
    private static readonly ConcurrentDictionary<string, byte[]> Programs = new(StringComparer.Ordinal);

    /// <summary>The program for <paramref name="seccomp"/>, which <paramref name="config"/> (config.json's bytes) holds; null for no filter.</summary>
    public static byte[]? Compile(byte[] config, SeccompSpec? seccomp)
    {
        if (seccomp is null)
        {
            return null;
        }

        (int start, int length) = SeccompSection.Find(config) ?? throw new InvalidOperationException("linux.seccomp is not in config.json");
        return Programs.GetOrAdd(Convert.ToHexString(SHA256.HashData(config.AsSpan(start, length))), _ => SeccompFilter.Compile(seccomp));
    }

    /// <summary>Reads a bundle from its JSON files and compiles its seccomp filter: psc-shim's way when init.bin does not match.</summary>
    public static Bundle LoadBundle(string bundleDirectory, out byte[]? program)
    {
        string configPath = Path.Combine(Path.GetFullPath(bundleDirectory), Bundle.ConfigFile);
        byte[] config;
        try
        {
            config = File.ReadAllBytes(configPath);
        }
        catch (FileNotFoundException e)
        {
            throw new ContainerRuntimeException(ErrorKind.NotFound, "BundleFileNotFound", $"bundle {configPath}: not found", e) { Target = configPath };
        }

        Bundle bundle = Bundle.Load(bundleDirectory, config);
        program = bundle.Spec.Linux.Seccomp is { } seccomp ? SeccompFilter.Compile(seccomp) : null;
        return bundle;
    }
}
