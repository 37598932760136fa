using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;
using PSContainer.Runtime.State;

namespace PSContainer.Runtime.Process;

/// <summary>
/// linux.seccomp compiled ahead of time. libseccomp takes 10–20 ms to turn docker's profile into BPF and parsing the
/// profile's JSON a few more — together more than the rest of a container's start — so the engine compiles it when
/// the container is created (once per process for each distinct filter) and leaves the program beside config.json
/// as <c>seccomp.bpf</c>. The file starts with the linux.seccomp member exactly as config.json holds it: psc-shim uses
/// the program only when those bytes are config.json's (and then does not even parse the member), so an edited
/// config.json is compiled afresh and never runs with a stale filter. A byte comparison, not a hash: a 16 KB
/// compare costs nothing, while hashing in the shim would load OpenSSL (about 5 ms of every start).
/// </summary>
/// <remarks>
/// File layout: 4-byte little-endian length and the member's JSON bytes, 4-byte length and the program, then
/// linux.seccomp.flags as UTF-8 lines.
/// </remarks>
public static class SeccompProgramCache
{
    public const string FileName = "seccomp.bpf";

    private static readonly ConcurrentDictionary<string, byte[]> Programs = new(StringComparer.Ordinal);

    /// <summary>Writes seccomp.bpf for a spec about to be written to a bundle (nothing when it has no filter).</summary>
    public static void WriteTo(string bundleDirectory, RuntimeSpec spec)
    {
        if (spec.Linux.Seccomp is not { } seccomp)
        {
            return;
        }

        // The same bytes Bundle.Create writes: the source-generated serializer is deterministic.
        byte[] config = JsonSerializer.SerializeToUtf8Bytes(spec, SpecJsonContext.Default.RuntimeSpec);
        (int start, int length) = SeccompSection.Find(config) ?? throw new InvalidOperationException("linux.seccomp vanished from its own serialization");
        ReadOnlySpan<byte> member = config.AsSpan(start, length);
        byte[] program = Programs.GetOrAdd(Convert.ToHexString(SHA256.HashData(member)), _ => SeccompFilter.Compile(seccomp));
        using MemoryStream file = new();
        file.Write(BitConverter.GetBytes(length));
        file.Write(member);
        file.Write(BitConverter.GetBytes(program.Length));
        file.Write(program);
        file.Write(Encoding.UTF8.GetBytes(string.Join('\n', seccomp.Flags ?? [])));
        AtomicFile.Write(Path.Combine(bundleDirectory, FileName), file.ToArray(), durable: false);
    }

    /// <summary>
    /// Reads a bundle for psc-shim, with its seccomp program: the precompiled one when it matches config.json (the
    /// member is then not parsed at all; the returned spec carries only its flags), else compiled now.
    /// </summary>
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

        program = null;
        if (SeccompSection.Find(config) is not (int start, int length) || config.AsSpan(start, 4).SequenceEqual("null"u8))
        {
            return Bundle.Load(bundleDirectory, config);
        }

        if (TryReadPrecompiled(bundleDirectory, config.AsSpan(start, length), out program, out string[] flags))
        {
            byte[] withoutFilter = [.. config.AsSpan(0, start), .. "null"u8, .. config.AsSpan(start + length)];
            Bundle bundle = Bundle.Load(bundleDirectory, withoutFilter);
            bundle.Spec.Linux.Seccomp = new SeccompSpec { Flags = flags.Length == 0 ? null : flags };
            return bundle;
        }

        Bundle full = Bundle.Load(bundleDirectory, config);
        program = SeccompFilter.Compile(full.Spec.Linux.Seccomp!);
        return full;
    }

    private static bool TryReadPrecompiled(string bundleDirectory, ReadOnlySpan<byte> member, out byte[]? program, out string[] flags)
    {
        program = null;
        flags = [];
        byte[] file;
        try
        {
            file = File.ReadAllBytes(Path.Combine(bundleDirectory, FileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        // [length][member][length][program][flags], every length checked against what is left.
        if (file.Length < 4 || BitConverter.ToInt32(file, 0) != member.Length || file.Length < 8 + member.Length ||
            !file.AsSpan(4, member.Length).SequenceEqual(member))
        {
            return false;
        }

        int programStart = 8 + member.Length;
        int length = BitConverter.ToInt32(file, programStart - 4);
        if (length <= 0 || length > file.Length - programStart)
        {
            return false;
        }

        program = file[programStart..(programStart + length)];
        string text = Encoding.UTF8.GetString(file, programStart + length, file.Length - programStart - length);
        flags = text.Length == 0 ? [] : text.Split('\n');
        return true;
    }
}
