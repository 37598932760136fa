using System.Text;
using PSContainer.Runtime.Spec;
using Mount = PSContainer.Runtime.Snapshots.Mount;

namespace PSContainer.Runtime.Process;

/// <summary>
/// What stage 1 sends stage 2 on the sync pipe, and what releases it: the bundle already read and checked, in
/// a compact binary form, followed by end-of-file. Stage 1 parses config.json while stage 2's runtime is still
/// starting (on the other core), so stage 2 never builds the JSON serializer's metadata, which is about 4 ms
/// of a fresh NativeAOT process's time. Only the members stage 2 uses are carried.
/// </summary>
/// <remarks>
/// Layout (BinaryWriter: little-endian integers, strings as 7-bit-length-prefixed UTF-8): "PSC1", namespace
/// flags, bundle directory, then RuntimeSpec members in the order of <see cref="Encode"/>. Both ends are the
/// same binary, so the format needs no versioning beyond the magic.
/// </remarks>
internal static class InitRequest
{
    private const int Magic = 0x31435350; // "PSC1"

    /// <summary>Upper bound on what stage 2 will read: a config is kilobytes, 16 MB is a broken sender.</summary>
    public const int MaxLength = 16 * 1024 * 1024;

    public static byte[] Encode(Bundle bundle, int namespaceFlags)
    {
        using MemoryStream buffer = new();
        using (BinaryWriter w = new(buffer, Encoding.UTF8, leaveOpen: true))
        {
            RuntimeSpec spec = bundle.Spec;
            ProcessSpec process = spec.Process;
            w.Write(Magic);
            w.Write(namespaceFlags);
            w.Write(bundle.Directory);
            WriteStrings(w, process.Args);
            WriteStrings(w, process.Env);
            w.Write(process.Cwd);
            w.Write(process.User.Uid);
            w.Write(process.User.Gid);
            w.Write(process.User.Umask ?? uint.MaxValue);
            w.Write(process.User.AdditionalGids?.Count ?? 0);
            foreach (uint gid in process.User.AdditionalGids ?? [])
            {
                w.Write(gid);
            }

            w.Write(process.NoNewPrivileges);
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

            w.Write(bundle.RootfsMounts.Count);
            foreach (Mount m in bundle.RootfsMounts)
            {
                w.Write(m.Type);
                w.Write(m.Source);
                WriteNullable(w, m.Target);
                WriteStrings(w, m.Options);
            }
        }

        return buffer.ToArray();
    }

    public static (Bundle Bundle, int NamespaceFlags) Decode(byte[] data)
    {
        using BinaryReader r = new(new MemoryStream(data, writable: false), Encoding.UTF8);
        if (data.Length < 4 || r.ReadInt32() != Magic)
        {
            throw new InvalidOperationException("sync pipe: the monitor went away before releasing the container");
        }

        int flags = r.ReadInt32();
        string directory = r.ReadString();
        string[] args = ReadStrings(r);
        string[] env = ReadStrings(r);
        string cwd = r.ReadString();
        uint uid = r.ReadUInt32();
        uint gid = r.ReadUInt32();
        uint umask = r.ReadUInt32();
        uint[] groups = new uint[r.ReadInt32()];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i] = r.ReadUInt32();
        }

        ProcessSpec process = new()
        {
            Args = args,
            Env = env,
            Cwd = cwd,
            User = new UserSpec { Uid = uid, Gid = gid, Umask = umask == uint.MaxValue ? null : umask, AdditionalGids = groups },
            NoNewPrivileges = r.ReadBoolean(),
        };
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

        RuntimeSpec spec = new() { Process = process, Hostname = hostname, Root = root, Mounts = mounts };
        return (new Bundle(directory, spec, rootfsMounts), flags);
    }

    private static void WriteStrings(BinaryWriter w, IReadOnlyList<string> values)
    {
        w.Write(values.Count);
        foreach (string value in values)
        {
            w.Write(value);
        }
    }

    private static string[] ReadStrings(BinaryReader r)
    {
        string[] values = new string[r.ReadInt32()];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = r.ReadString();
        }

        return values;
    }

    private static void WriteNullable(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    private static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;
}
