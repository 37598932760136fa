using System.IO;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Process;

// The RuntimeSpec members of an init request, and the primitive encodings.
internal sealed partial record InitRequest
{
    private static void WriteProcess(BinaryWriter w, ProcessSpec process)
    {
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
        CapabilitiesSpec? caps = process.Capabilities;
        w.Write(caps is not null);
        if (caps is not null)
        {
            WriteStrings(w, caps.Bounding);
            WriteStrings(w, caps.Effective);
            WriteStrings(w, caps.Inheritable);
            WriteStrings(w, caps.Permitted);
            WriteStrings(w, caps.Ambient);
        }

        w.Write(process.Rlimits?.Count ?? -1);
        foreach (RlimitSpec limit in process.Rlimits ?? [])
        {
            w.Write(limit.Type);
            w.Write(limit.Hard);
            w.Write(limit.Soft);
        }

        w.Write(process.Terminal);
        w.Write(process.ConsoleSize?.Height ?? 0);
        w.Write(process.ConsoleSize?.Width ?? 0);
    }

    private static ProcessSpec ReadProcess(BinaryReader r)
    {
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

        bool noNewPrivileges = r.ReadBoolean();
        CapabilitiesSpec? caps = r.ReadBoolean()
            ? new CapabilitiesSpec { Bounding = ReadStrings(r), Effective = ReadStrings(r), Inheritable = ReadStrings(r), Permitted = ReadStrings(r), Ambient = ReadStrings(r) }
            : null;
        int rlimitCount = r.ReadInt32();
        RlimitSpec[]? rlimits = rlimitCount < 0 ? null : new RlimitSpec[rlimitCount];
        for (int i = 0; i < rlimitCount; i++)
        {
            rlimits![i] = new RlimitSpec { Type = r.ReadString(), Hard = r.ReadUInt64(), Soft = r.ReadUInt64() };
        }

        bool terminal = r.ReadBoolean();
        uint height = r.ReadUInt32();
        uint width = r.ReadUInt32();

        return new ProcessSpec
        {
            Args = args,
            Env = env,
            Cwd = cwd,
            User = new UserSpec { Uid = uid, Gid = gid, Umask = umask == uint.MaxValue ? null : umask, AdditionalGids = groups },
            NoNewPrivileges = noNewPrivileges,
            Capabilities = caps,
            Rlimits = rlimits,
            Terminal = terminal,
            ConsoleSize = height == 0 && width == 0 ? null : new ConsoleSizeSpec { Height = height, Width = width },
        };
    }

    private static void WriteLinux(BinaryWriter w, LinuxSpec linux)
    {
        WriteNullableStrings(w, linux.MaskedPaths);
        WriteNullableStrings(w, linux.ReadonlyPaths);
        WriteNullableStrings(w, linux.Seccomp?.Flags);
        w.Write(linux.Devices?.Count ?? -1);
        foreach (DeviceSpec d in linux.Devices ?? [])
        {
            w.Write(d.Path);
            w.Write(d.Type);
            w.Write(d.Major);
            w.Write(d.Minor);
            w.Write(d.FileMode ?? uint.MaxValue);
            w.Write(d.Uid ?? uint.MaxValue);
            w.Write(d.Gid ?? uint.MaxValue);
        }
    }

    private static LinuxSpec ReadLinux(BinaryReader r)
    {
        string[]? masked = ReadNullableStrings(r);
        string[]? readOnly = ReadNullableStrings(r);
        string[]? seccompFlags = ReadNullableStrings(r);
        int deviceCount = r.ReadInt32();
        DeviceSpec[]? devices = deviceCount < 0 ? null : new DeviceSpec[deviceCount];
        for (int i = 0; i < deviceCount; i++)
        {
            devices![i] = new DeviceSpec
            {
                Path = r.ReadString(),
                Type = r.ReadString(),
                Major = r.ReadInt64(),
                Minor = r.ReadInt64(),
                FileMode = NullIfMax(r.ReadUInt32()),
                Uid = NullIfMax(r.ReadUInt32()),
                Gid = NullIfMax(r.ReadUInt32()),
            };
        }

        return new LinuxSpec
        {
            MaskedPaths = masked,
            ReadonlyPaths = readOnly,
            Devices = devices,
            Seccomp = seccompFlags is null ? null : new SeccompSpec { Flags = seccompFlags },
        };
    }

    private static uint? NullIfMax(uint value) => value == uint.MaxValue ? null : value;

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

    private static void WriteNullableStrings(BinaryWriter w, IReadOnlyList<string>? values)
    {
        w.Write(values is not null);
        if (values is not null)
        {
            WriteStrings(w, values);
        }
    }

    private static string[]? ReadNullableStrings(BinaryReader r) => r.ReadBoolean() ? ReadStrings(r) : null;

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
