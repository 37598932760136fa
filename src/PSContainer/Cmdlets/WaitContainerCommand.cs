using System.Management.Automation;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Waits for containers to end and returns their exit codes (docker wait).</para>
/// <para type="description">Blocks until each container has exited and writes its exit code, in the order given: the
/// container's own code, 128+n if signal n killed it, 125-127 if it could not start. A non-zero code is output, not
/// an error. A container that has already exited answers at once; one that was created but never started is
/// waited for until it has been started and has ended. Ctrl+C stops waiting, not the container.</para>
/// </summary>
/// <example><code>$code = Wait-Container build</code></example>
/// <example><code>Start-Container busybox -Detach sh -c 'exit 3' | Wait-Container</code></example>
[Cmdlet(VerbsLifecycle.Wait, "Container", DefaultParameterSetName = NameSet)]
[OutputType(typeof(int))]
public sealed class WaitContainerCommand : ContainerTargetCommandBase
{
    protected override void ProcessRecord() => ForEach(container =>
        WriteObject(RunFor(token => Engine.Containers.WaitAsync(container, token))));
}
