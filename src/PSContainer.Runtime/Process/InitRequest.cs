using System.Text;
using PSContainer.Runtime.Linux;
using PSContainer.Runtime.Spec;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Runtime.Process;

/// <summary>
/// What stage 1 sends stage 2 on the sync pipe, and what releases it: the bundle already read and checked, in
/// a compact binary form, followed by end-of-file. Stage 1 parses config.json (and compiles the seccomp filter)
/// while stage 2's runtime is still starting (on the other core), so stage 2 never builds the JSON serializer's
/// metadata, which is about 4 ms of a fresh NativeAOT process's time, nor loads libseccomp. Only the members stage 2
/// uses are carried. The exec helper sends its child the same request for the process it is to become.
/// </summary>
/// <remarks>
/// Layout (BinaryWriter: little-endian integers, strings as 7-bit-length-prefixed UTF-8): "PSC3", namespace
/// flags, bundle directory, then RuntimeSpec members in the order of <see cref="Encode"/>, then the compiled seccomp
/// program and the cgroup hierarchies. Both ends are the same binary, so the format needs no versioning beyond
/// the magic.
/// </remarks>
internal sealed partial record InitRequest(Bundle Bundle, int NamespaceFlags)
{
    private const int Magic = 0x33435350; // "PSC3" (PSC2 had no terminal)

    /// <summary>Upper bound on what stage 2 will read: a config is kilobytes, 16 MB is a broken sender.</summary>
    public const int MaxLength = 16 * 1024 * 1024;

    /// <summary>linux.seccomp compiled to a BPF program by stage 1 (libseccomp), or null for no filter.</summary>
    public byte[]? SeccompProgram { get; init; }

    /// <summary>The host's cgroup hierarchies, for a /sys/fs/cgroup mount of type "cgroup" in the container.</summary>
    public IReadOnlyList<CgroupHierarchy> CgroupHierarchies { get; init; } = [];

    public byte[] Encode()
    {
        using MemoryStream buffer = new();
        using (BinaryWriter w = new(buffer, Encoding.UTF8, leaveOpen: true))
        {
            RuntimeSpec spec = Bundle.Spec;
            w.Write(Magic);
            w.Write(NamespaceFlags);
            w.Write(Bundle.Directory);
            WriteProcess(w, spec.Process);
            WriteNullable(w, spec.Hostname);
            w.Write(spec.Root.Path);
            w.Write(spec.Root.Readonly);
            w.Write(spec.Mounts.Count);
            foreach (MountSpec m in spec.Mounts)
            {
                w.Write(m.Destination);
                WriteNullable(w, m.Type);
                WriteNullable(w, m.Source);
                WriteStrings(w, m.Options ?? []);
            }

            w.Write(Bundle.RootfsMounts.Count);
            foreach (Mount m in Bundle.RootfsMounts)
            {
                w.Write(m.Type);
                w.Write(m.Source);
                WriteNullable(w, m.Target);
                WriteStrings(w, m.Options);
            }

            WriteLinux(w, spec.Linux);
            WriteMonitorLinux(w, spec.Linux);
            WriteNullableStrings(w, spec.Annotations?.SelectMany(a => new[] { a.Key, a.Value }).ToList());
            w.Write(SeccompProgram is not null);
            if (SeccompProgram is not null)
            {
                w.Write(SeccompProgram.Length);
                w.Write(SeccompProgram);
            }

            w.Write(CgroupHierarchies.Count);
            foreach (CgroupHierarchy h in CgroupHierarchies)
            {
                w.Write(h.MountPoint);
                w.Write(h.Root);
                w.Write(h.Unified);
                WriteStrings(w, h.Controllers);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>Whether <paramref name="data"/> starts as a request of this format does (an init.bin of an older shim does not).</summary>
    public static bool HasCurrentFormat(ReadOnlySpan<byte> data) => data.Length >= 4 && BitConverter.ToInt32(data) == Magic;

    public static InitRequest Decode(byte[] data)
    {
        using BinaryReader r = new(new MemoryStream(data, writable: false), Encoding.UTF8);
        if (data.Length < 4 || r.ReadInt32() != Magic)
        {
            throw new InvalidOperationException("sync pipe: the monitor went away before releasing the container");
        }

        int flags = r.ReadInt32();
        string directory = r.ReadString();
        ProcessSpec process = ReadProcess(r);
        string? hostname = ReadNullable(r);
        RootSpec root = new() { Path = r.ReadString(), Readonly = r.ReadBoolean() };
        MountSpec[] mounts = new MountSpec[r.ReadInt32()];
        for (int i = 0; i < mounts.Length; i++)
        {
            mounts[i] = new MountSpec { Destination = r.ReadString(), Type = ReadNullable(r), Source = ReadNullable(r), Options = ReadStrings(r) };
        }

        Mount[] rootfsMounts = new Mount[r.ReadInt32()];
        for (int i = 0; i < rootfsMounts.Length; i++)
        {
            rootfsMounts[i] = new Mount { Type = r.ReadString(), Source = r.ReadString(), Target = ReadNullable(r), Options = ReadStrings(r) };
        }

        LinuxSpec linux = ReadMonitorLinux(r, ReadLinux(r));
        string[]? pairs = ReadNullableStrings(r);
        Dictionary<string, string>? annotations = pairs is null ? null : Enumerable.Range(0, pairs.Length / 2).ToDictionary(i => pairs[2 * i], i => pairs[(2 * i) + 1]);
        byte[]? seccomp = r.ReadBoolean() ? r.ReadBytes(r.ReadInt32()) : null;
        CgroupHierarchy[] hierarchies = new CgroupHierarchy[r.ReadInt32()];
        for (int i = 0; i < hierarchies.Length; i++)
        {
            hierarchies[i] = new CgroupHierarchy(r.ReadString(), r.ReadString(), r.ReadBoolean(), ReadStrings(r));
        }

        RuntimeSpec spec = new() { Process = process, Hostname = hostname, Root = root, Mounts = mounts, Linux = linux, Annotations = annotations };
        return new InitRequest(new Bundle(directory, spec, rootfsMounts), flags) { SeccompProgram = seccomp, CgroupHierarchies = hierarchies };
    }
}
