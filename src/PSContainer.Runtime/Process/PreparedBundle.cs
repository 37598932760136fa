using PSContainer.Runtime.Spec;
using PSContainer.Runtime.State;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Runtime.Process;

/// <summary>
/// <c>init.bin</c>: the bundle as psc-shim reads it, prepared by the engine when it writes the bundle — config.json and
/// rootfs-mounts.json already decoded, in <see cref="InitRequest"/>'s binary form, with linux.seccomp compiled to BPF.
/// Parsing config.json with System.Text.Json was the longest step on stage 1's way to releasing stage 2 (the
/// serializer's metadata is built afresh in every NativeAOT process: 4–11 ms measured, more than the mounts), and
/// libseccomp takes 10–20 ms more; reading this file takes a fraction of a millisecond. The JSON files stay the
/// bundle's truth: the file starts with their exact bytes, and psc-shim uses it only when both still match (a byte
/// comparison, which costs nothing; hashing in the shim would load OpenSSL), else reads and compiles the JSON.
/// </summary>
/// <remarks>
/// Layout: "PSCB", then for config.json and rootfs-mounts.json a 4-byte little-endian length and the bytes, then the
/// InitRequest encoding (namespace flags 0: the shim works them out when it runs; no cgroup hierarchies).
/// </remarks>
public static class PreparedBundle
{
    public const string FileName = "init.bin";

    private const int Magic = 0x42435350; // "PSCB"

    /// <summary>Writes init.bin for a bundle whose two JSON files hold <paramref name="config"/> and <paramref name="mounts"/>.</summary>
    public static void Write(Bundle bundle, byte[] config, byte[] mounts)
    {
        byte[]? program = SeccompProgramCache.Compile(config, bundle.Spec.Linux.Seccomp);
        byte[] request = new InitRequest(bundle, 0) { SeccompProgram = program }.Encode();
        using MemoryStream file = new(12 + config.Length + mounts.Length + request.Length);
        file.Write(BitConverter.GetBytes(Magic));
        file.Write(BitConverter.GetBytes(config.Length));
        file.Write(config);
        file.Write(BitConverter.GetBytes(mounts.Length));
        file.Write(mounts);
        file.Write(request);
        AtomicFile.WriteUnpublished(Path.Combine(bundle.Directory, FileName), file.GetBuffer().AsSpan(0, (int)file.Length));
    }

    /// <summary>
    /// The bundle and its compiled seccomp program (null: no filter): from init.bin when it matches the JSON files,
    /// else parsed and compiled from them.
    /// </summary>
    public static Bundle Load(string bundleDirectory, out byte[]? seccompProgram)
    {
        string directory = Path.GetFullPath(bundleDirectory);
        if (TryRead(directory) is { } prepared)
        {
            seccompProgram = prepared.SeccompProgram;
            return prepared.Bundle;
        }

        return SeccompProgramCache.LoadBundle(directory, out seccompProgram);
    }

    private static InitRequest? TryRead(string directory)
    {
        byte[] file, config, mounts;
        try
        {
            file = File.ReadAllBytes(Path.Combine(directory, FileName));
            config = File.ReadAllBytes(Path.Combine(directory, Bundle.ConfigFile));
            string mountsPath = Path.Combine(directory, Bundle.RootfsMountsFile);
            mounts = File.Exists(mountsPath) ? File.ReadAllBytes(mountsPath) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        ReadOnlySpan<byte> rest = file;
        if (!Take(ref rest, 4, out ReadOnlySpan<byte> magic) || BitConverter.ToInt32(magic) != Magic ||
            !Matches(ref rest, config) || !Matches(ref rest, mounts) || !InitRequest.HasCurrentFormat(rest))
        {
            return null;
        }

        InitRequest request = InitRequest.Decode(rest.ToArray());
        // Written for this directory: a bundle moved elsewhere is read the slow way, its paths made afresh.
        return request.Bundle.Directory == directory ? request : null;
    }

    private static bool Matches(ref ReadOnlySpan<byte> rest, byte[] expected) =>
        Take(ref rest, 4, out ReadOnlySpan<byte> length) && BitConverter.ToInt32(length) == expected.Length &&
        Take(ref rest, expected.Length, out ReadOnlySpan<byte> bytes) && bytes.SequenceEqual(expected);

    private static bool Take(ref ReadOnlySpan<byte> rest, int count, out ReadOnlySpan<byte> taken)
    {
        if (count < 0 || rest.Length < count)
        {
            taken = default;
            return false;
        }

        taken = rest[..count];
        rest = rest[count..];
        return true;
    }
}
