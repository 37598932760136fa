using System.Management.Automation;
using PSContainer.Runtime.Containers;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Stops running containers (docker stop).</para>
/// <para type="description">Sends each container's stop signal — the image's StopSignal, SIGTERM if it has none — to
/// its main process, waits up to -Timeout seconds for it to end, then kills it with SIGKILL. -Force kills at once.
/// The main process is PID 1 of the container, which the kernel shields from signals it has no handler for: a
/// command that does not handle SIGTERM (sleep, say) ends only at the SIGKILL, with exit code 137. A container that
/// is not running is left as it is.</para>
/// </summary>
/// <example><code>Stop-Container web</code></example>
/// <example><code>Get-Container | Stop-Container -Timeout 2</code></example>
/// <example><code>Stop-Container web -Force -PassThru | Select-Object Name, ExitCode</code></example>
[Cmdlet(VerbsLifecycle.Stop, "Container", SupportsShouldProcess = true, DefaultParameterSetName = NameSet)]
[OutputType(typeof(Container))]
public sealed class StopContainerCommand : ContainerTargetCommandBase
{
    /// <summary>Seconds to wait after the stop signal before SIGKILL (default 10).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    [Alias("Time", "t")]
    public int Timeout { get; set; } = 10;

    /// <summary>Kills the containers with SIGKILL at once, without the stop signal and the wait.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Writes each container, as it is once stopped.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEach(container =>
    {
        if (!ShouldProcess(container.Name, Force ? "Kill" : "Stop"))
        {
            return;
        }
        var timeout = Force ? TimeSpan.Zero : TimeSpan.FromSeconds(Timeout);
        var stopped = RunFor(token => Engine.Containers.StopAsync(container, timeout, token));
        if (PassThru)
        {
            WriteObject(stopped);
        }
    });
}
