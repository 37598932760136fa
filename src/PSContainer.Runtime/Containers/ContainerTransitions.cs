using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// The legal moves between <see cref="ContainerStatus"/> values (runc's state_linux.go transition()): every change
/// of a container is checked here, under the container's lock, against the state read under that lock. An illegal
/// move throws FailedPrecondition with an ErrorId that names why, stable for scripts to test.
/// </summary>
/// <remarks>
/// <code>
///   Created ──start──► Running ◄──resume── Paused
///      │                │   └────pause────►  │
///      │              exit/stop/kill       kill
///      │                ▼                    │
///      │              Exited ◄───────────────┘
///      │                │  └──start──► Running
///      └────remove──────┴──remove──► Removing (final)
/// </code>
/// A running or paused container is removed by first stopping it (Remove-Container -Force), never directly.
/// </remarks>
public static class ContainerTransitions
{
    /// <summary>True when a container may go from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsAllowed(ContainerStatus from, ContainerStatus to) => (from, to) switch
    {
        (ContainerStatus.Created, ContainerStatus.Running or ContainerStatus.Removing) => true,
        (ContainerStatus.Running, ContainerStatus.Paused or ContainerStatus.Exited) => true,
        (ContainerStatus.Paused, ContainerStatus.Running or ContainerStatus.Exited) => true,
        (ContainerStatus.Exited, ContainerStatus.Running or ContainerStatus.Removing) => true,
        _ => false,
    };

    /// <summary>Throws FailedPrecondition unless <paramref name="container"/> may move to <paramref name="to"/>.</summary>
    public static void Check(Container container, ContainerStatus to) => Check(container.Name, container.Status, to);

    public static void Check(string name, ContainerStatus from, ContainerStatus to)
    {
        if (IsAllowed(from, to))
        {
            return;
        }

        (string errorId, string why) = (from, to) switch
        {
            (ContainerStatus.Removing, _) => ("ContainerIsBeingRemoved", "it is being removed"),
            (ContainerStatus.Running or ContainerStatus.Paused, ContainerStatus.Removing) =>
                ("ContainerIsRunning", $"it is {Describe(from)}; stop it first, or remove it with -Force"),
            (ContainerStatus.Running, ContainerStatus.Running) => ("ContainerAlreadyRunning", "it is already running"),
            (ContainerStatus.Paused, ContainerStatus.Paused) => ("ContainerAlreadyPaused", "it is already paused"),
            (_, ContainerStatus.Paused or ContainerStatus.Exited) => ("ContainerNotRunning", $"it is not running (it is {Describe(from)})"),
            _ => ("ContainerInvalidStateTransition", $"it is {Describe(from)}"),
        };
        throw ContainerRuntimeException.FailedPrecondition(errorId, $"container {name}: cannot {Verb(to)} it: {why}", name);
    }

    private static string Describe(ContainerStatus status) => status.ToString().ToLowerInvariant();

    private static string Verb(ContainerStatus to) => to switch
    {
        ContainerStatus.Running => "start",
        ContainerStatus.Paused => "pause",
        ContainerStatus.Exited => "stop",
        ContainerStatus.Removing => "remove",
        _ => "create",
    };
}
