using System.Globalization;

namespace PSContainer.Runtime.Linux;

/// <summary>The fields of /proc/&lt;pid&gt;/stat that the runtime uses (proc(5)).</summary>
/// <param name="Pid">The process id.</param>
/// <param name="Command">comm: the executable's name, at most 15 bytes.</param>
/// <param name="State">R, S, D, Z, T, …</param>
/// <param name="ParentPid">The parent's pid.</param>
/// <param name="StartTicks">When the process started, in clock ticks after boot (distinguishes a reused pid).</param>
/// <param name="CpuTicks">User plus system time, in clock ticks.</param>
public sealed record ProcStat(int Pid, string Command, char State, int ParentPid, ulong StartTicks, ulong CpuTicks)
{
    private static readonly Lazy<DateTimeOffset> BootTime = new(ReadBootTime);

    /// <summary>USER_HZ, the unit of the tick counts in /proc (sysconf(_SC_CLK_TCK); 100 on x86-64 and arm64).</summary>
    public static long TicksPerSecond { get; } = Math.Max(1, (long)Tmds.Linux.LibC.sysconf(Interop.LibC._SC_CLK_TCK));

    /// <summary>When the process started (boot time from /proc/stat plus its start ticks).</summary>
    public DateTimeOffset Started => BootTime.Value + TimeSpan.FromSeconds(StartTicks / (double)TicksPerSecond);

    /// <summary>User plus system CPU time so far.</summary>
    public TimeSpan CpuTime => TimeSpan.FromSeconds(CpuTicks / (double)TicksPerSecond);

    /// <summary>Reads /proc/&lt;pid&gt;/stat, or null when the process does not exist (any more).</summary>
    public static ProcStat? TryRead(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split around the last ')'.
        int open = text.IndexOf('(');
        int close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        string[] rest = text[(close + 2)..].Split(' ');
        if (rest.Length < 20)
        {
            return null;
        }

        // rest[0] is field 3 (state); utime and stime are fields 14 and 15; starttime is field 22.
        return new ProcStat(
            pid,
            text[(open + 1)..close],
            rest[0][0],
            int.Parse(rest[1], CultureInfo.InvariantCulture),
            ulong.Parse(rest[19], CultureInfo.InvariantCulture),
            ulong.Parse(rest[11], CultureInfo.InvariantCulture) + ulong.Parse(rest[12], CultureInfo.InvariantCulture));
    }

    private static DateTimeOffset ReadBootTime()
    {
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal))
            {
                return DateTimeOffset.FromUnixTimeSeconds(long.Parse(line[6..], CultureInfo.InvariantCulture));
            }
        }

        return DateTimeOffset.UnixEpoch;
    }
}
