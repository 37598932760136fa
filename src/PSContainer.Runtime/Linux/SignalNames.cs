using System.Globalization;

namespace PSContainer.Runtime.Linux;

/// <summary>
/// Signal names as images and users write them (an image's StopSignal, docker stop --signal): "SIGTERM", "TERM",
/// "15", "SIGRTMIN+3". The numbers are the generic Linux ones, shared by x86-64 and arm64; SIGRTMIN is glibc's
/// 34 (the kernel's 32 and 33 are reserved by glibc), as docker's table has it.
/// </summary>
public static class SignalNames
{
    private const int RtMin = 34;
    private const int RtMax = 64;

    private static readonly Dictionary<string, int> Numbers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["IOT"] = 6, ["BUS"] = 7,
        ["FPE"] = 8, ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14,
        ["TERM"] = 15, ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21,
        ["TTOU"] = 22, ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28,
        ["IO"] = 29, ["POLL"] = 29, ["PWR"] = 30, ["SYS"] = 31, ["RTMIN"] = RtMin, ["RTMAX"] = RtMax,
    };

    /// <summary>The signal's number, or null when <paramref name="text"/> names none.</summary>
    public static int? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string s = text.Trim();
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int number))
        {
            return number is >= 1 and <= RtMax ? number : null;
        }

        if (s.StartsWith("SIG", StringComparison.OrdinalIgnoreCase))
        {
            s = s[3..];
        }

        int sign = s.IndexOfAny(['+', '-']);
        if (sign > 0 && s[..sign].ToUpperInvariant() is "RTMIN" or "RTMAX" &&
            int.TryParse(s[(sign + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int offset))
        {
            int value = s[..sign].Equals("RTMIN", StringComparison.OrdinalIgnoreCase)
                ? (s[sign] == '+' ? RtMin + offset : -1)
                : (s[sign] == '-' ? RtMax - offset : -1);
            return value is >= RtMin and <= RtMax ? value : null;
        }

        return Numbers.TryGetValue(s, out int found) ? found : null;
    }

    /// <summary>"SIGTERM" for 15; the number as text for one without a name here.</summary>
    public static string NameOf(int signal)
    {
        foreach ((string name, int value) in Numbers)
        {
            if (value == signal && name is not ("IOT" or "POLL" or "RTMIN" or "RTMAX"))
            {
                return "SIG" + name;
            }
        }

        return signal switch
        {
            RtMin => "SIGRTMIN",
            RtMax => "SIGRTMAX",
            > RtMin and < RtMax => "SIGRTMIN+" + (signal - RtMin).ToString(CultureInfo.InvariantCulture),
            _ => signal.ToString(CultureInfo.InvariantCulture),
        };
    }
}
