using System.Globalization;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Formats;

/// <summary>
/// The texts of docker ps's CREATED and STATUS columns ("5 minutes ago", "Up 2 hours", "Exited (0) 3 seconds ago"),
/// for Containers.Format.ps1xml. Public because format script blocks can only call public code.
/// </summary>
public static class ContainerView
{
    /// <summary>"About a minute ago": how long ago the container was created.</summary>
    public static string Created(Container container) => Ago(container.Created);

    /// <summary>docker ps's STATUS text.</summary>
    public static string Status(Container container) => container.Status switch
    {
        ContainerStatus.Running => "Up " + Since(container.StartedAt),
        ContainerStatus.Paused => "Up " + Since(container.StartedAt) + " (Paused)",
        ContainerStatus.Exited => container.FinishedAt is { } finished
            ? $"Exited ({container.ExitCode}) {Ago(finished)}"
            : $"Exited ({container.ExitCode})",
        ContainerStatus.Removing => "Removal In Progress",
        _ => "Created",
    };

    /// <summary>The command as docker ps quotes it.</summary>
    public static string Command(Container container) => "\"" + string.Join(' ', container.Command) + "\"";

    /// <summary>docker's HumanDuration (go-units), as it words the age of things.</summary>
    public static string HumanDuration(TimeSpan d)
    {
        double seconds = d.TotalSeconds;
        if (seconds < 1)
        {
            return "Less than a second";
        }
        if ((int)seconds == 1)
        {
            return "1 second";
        }
        if (seconds < 60)
        {
            return Count((int)seconds, "seconds");
        }
        int minutes = (int)d.TotalMinutes;
        if (minutes == 1)
        {
            return "About a minute";
        }
        if (minutes < 60)
        {
            return Count(minutes, "minutes");
        }
        int hours = (int)Math.Round(d.TotalHours);
        return hours switch
        {
            1 => "About an hour",
            < 48 => Count(hours, "hours"),
            < 24 * 7 * 2 => Count(hours / 24, "days"),
            < 24 * 30 * 2 => Count(hours / 24 / 7, "weeks"),
            < 24 * 365 * 2 => Count(hours / 24 / 30, "months"),
            _ => Count(hours / 24 / 365, "years"),
        };
    }

    private static string Ago(DateTimeOffset when) => HumanDuration(DateTimeOffset.UtcNow - when) + " ago";

    private static string Since(DateTimeOffset? when) => when is { } w ? HumanDuration(DateTimeOffset.UtcNow - w) : "";

    private static string Count(int n, string unit) => n.ToString(CultureInfo.InvariantCulture) + " " + unit;
}
