using System.Globalization;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Who a pid is: what /proc/&lt;pid&gt;/stat says about its state letter and its start time (clock ticks after boot).
/// A pid alone does not name a process for long — the kernel reuses pids — but a pid together with its start time
/// does (runc's InitProcessStartTime): a recorded (pid, start time) pair that no longer matches means the process
/// it named is gone, whoever holds the pid now.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, char State, ulong StartTime)
{
    /// <summary>False for a zombie (Z) or a dead task (X): it has exited, only its entry is left.</summary>
    public bool IsAlive => State is not ('Z' or 'X');

    /// <summary>Reads /proc/&lt;pid&gt;/stat; null when there is no such process.</summary>
    public static ProcessIdentity? Read(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText("/proc/" + pid.ToString(CultureInfo.InvariantCulture) + "/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // FileNotFound / DirectoryNotFound (gone), or ESRCH while reading (exited mid-read)
        }

        return Parse(pid, text);
    }

    /// <summary>
    /// Parses a stat line. The command name (field 2) is in parentheses and may itself contain spaces and
    /// parentheses, so the fields are counted from the last ')': state is field 3, starttime field 22.
    /// </summary>
    public static ProcessIdentity? Parse(int pid, string text)
    {
        int close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }

        string[] fields = text[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field 22 is fields[19].
        if (fields.Length < 20 || fields[0].Length != 1 ||
            !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }

        return new ProcessIdentity(pid, fields[0][0], start);
    }

    /// <summary>True when <paramref name="pid"/> is alive and still the process that started at <paramref name="startTime"/>.</summary>
    public static bool IsSameAndAlive(int pid, ulong startTime) =>
        Read(pid) is { IsAlive: true } stat && stat.StartTime == startTime;
}
