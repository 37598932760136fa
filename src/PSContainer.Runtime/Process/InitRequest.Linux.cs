using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Process;

// The members of linux that stage 1 needs besides what stage 2 does (namespaces, cgroupsPath, resources): carried so
// that a prepared bundle (PreparedBundle) is the whole of what psc-shim reads from config.json.
internal sealed partial record InitRequest
{
    private static void WriteMonitorLinux(BinaryWriter w, LinuxSpec linux)
    {
        w.Write(linux.Namespaces.Count);
        foreach (NamespaceSpec n in linux.Namespaces)
        {
            w.Write(n.Type);
            WriteNullable(w, n.Path);
        }

        WriteNullable(w, linux.CgroupsPath);
        ResourcesSpec? resources = linux.Resources;
        w.Write(resources is not null);
        if (resources is null)
        {
            return;
        }

        WriteNullable(w, resources.Memory?.Limit);
        WriteNullable(w, resources.Memory?.Swap);
        w.Write(resources.Memory is not null);
        WriteNullable(w, resources.Cpu?.Shares);
        WriteNullable(w, resources.Cpu?.Quota);
        WriteNullable(w, resources.Cpu?.Period);
        w.Write(resources.Cpu is not null);
        WriteNullable(w, resources.Pids?.Limit);
        w.Write(resources.Devices?.Count ?? -1);
        foreach (DeviceCgroupRule rule in resources.Devices ?? [])
        {
            w.Write(rule.Allow);
            WriteNullable(w, rule.Type);
            WriteNullable(w, rule.Major);
            WriteNullable(w, rule.Minor);
            WriteNullable(w, rule.Access);
        }
    }

    private static LinuxSpec ReadMonitorLinux(BinaryReader r, LinuxSpec linux)
    {
        NamespaceSpec[] namespaces = new NamespaceSpec[r.ReadInt32()];
        for (int i = 0; i < namespaces.Length; i++)
        {
            namespaces[i] = new NamespaceSpec { Type = r.ReadString(), Path = ReadNullable(r) };
        }

        string? cgroupsPath = ReadNullable(r);
        ResourcesSpec? resources = null;
        if (r.ReadBoolean())
        {
            long? memoryLimit = ReadNullableInt64(r);
            long? swap = ReadNullableInt64(r);
            MemoryResources? memory = r.ReadBoolean() ? new MemoryResources { Limit = memoryLimit, Swap = swap } : null;
            ulong? shares = ReadNullableUInt64(r);
            long? quota = ReadNullableInt64(r);
            ulong? period = ReadNullableUInt64(r);
            CpuResources? cpu = r.ReadBoolean() ? new CpuResources { Shares = shares, Quota = quota, Period = period } : null;
            long? pids = ReadNullableInt64(r);
            int count = r.ReadInt32();
            DeviceCgroupRule[]? devices = count < 0 ? null : new DeviceCgroupRule[count];
            for (int i = 0; i < count; i++)
            {
                devices![i] = new DeviceCgroupRule
                {
                    Allow = r.ReadBoolean(),
                    Type = ReadNullable(r),
                    Major = ReadNullableInt64(r),
                    Minor = ReadNullableInt64(r),
                    Access = ReadNullable(r),
                };
            }

            resources = new ResourcesSpec { Memory = memory, Cpu = cpu, Pids = pids is null ? null : new PidsResources { Limit = pids.Value }, Devices = devices };
        }

        return linux with { Namespaces = namespaces, CgroupsPath = cgroupsPath, Resources = resources };
    }

    private static void WriteNullable(BinaryWriter w, long? value)
    {
        w.Write(value.HasValue);
        if (value.HasValue)
        {
            w.Write(value.Value);
        }
    }

    private static void WriteNullable(BinaryWriter w, ulong? value)
    {
        w.Write(value.HasValue);
        if (value.HasValue)
        {
            w.Write(value.Value);
        }
    }

    private static long? ReadNullableInt64(BinaryReader r) => r.ReadBoolean() ? r.ReadInt64() : null;

    private static ulong? ReadNullableUInt64(BinaryReader r) => r.ReadBoolean() ? r.ReadUInt64() : null;
}
