using System.Collections;
using System.Management.Automation;
using System.Text;
using PSContainer.Commands.Completers;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Process;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Runs a command in a running container (docker exec).</para>
/// <para type="description">The command joins the container's namespaces (it sees the same hostname, files, network
/// and processes, with its own PID inside the container's PID namespace), its cgroup (its limits apply), and runs
/// with the container's capabilities, no_new_privs, seccomp filter, environment, user and working directory unless
/// -User, -WorkingDirectory, -Environment or -Privileged say otherwise. Its stdout comes out on the pipeline line by
/// line, its stderr is written like a native command's, pipeline input goes to its stdin, and its exit code lands in
/// $LASTEXITCODE. Put -- before a command whose options could be taken for this cmdlet's parameters.</para>
/// </summary>
/// <example><code>Invoke-ContainerCommand web cat /etc/hostname</code></example>
/// <example><code>Invoke-ContainerCommand web -User nobody -- id</code></example>
/// <example><code>'hello' | Invoke-ContainerCommand web -- wc -c</code></example>
/// <example><code>(Invoke-ContainerCommand web sh -c 'exit 3' -PassThru).ExitCode</code></example>
/// <example><code>Invoke-ContainerCommand web -Interactive -Tty sh</code></example>
[Cmdlet(VerbsLifecycle.Invoke, "ContainerCommand")]
[OutputType(typeof(string), typeof(ContainerCommandResult))]
public sealed class InvokeContainerCommandCommand : ContainerCmdletBase
{
    // No parameter or alias may start with "c": "sh -c …" must reach the command (see ContainerRunCommandBase).
    private readonly StringBuilder _input = new();
    private bool _hasInput;

    /// <summary>The running container: its name, id or id prefix.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(RunningContainerNameCompleter))]
    [ValidateNotNullOrEmpty]
    [Alias("Id")]
    public string Name { get; set; } = "";

    /// <summary>The command and its arguments.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromRemainingArguments = true)]
    [Alias("Args")]
    public string[] ArgumentList { get; set; } = [];

    /// <summary>The user to run as (name or uid, optionally :group or :gid, resolved in the container's /etc/passwd).</summary>
    [Parameter]
    public string? User { get; set; }

    /// <summary>The working directory inside the container.</summary>
    [Parameter]
    [Alias("Workdir")]
    public string? WorkingDirectory { get; set; }

    /// <summary>Environment variables to add to the container's, as a hashtable.</summary>
    [Parameter]
    [Alias("Env")]
    public Hashtable? Environment { get; set; }

    /// <summary>Every capability instead of the container's set (docker exec --privileged).</summary>
    [Parameter]
    public SwitchParameter Privileged { get; set; }

    /// <summary>Writes a result object (container, command, exit code) after the command ends.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Without pipeline input, this PowerShell's own stdin becomes the command's, until it ends or the command does (docker exec -i).</summary>
    [Parameter]
    public SwitchParameter Interactive { get; set; }

    /// <summary>
    /// Gives the command a pseudo-terminal from the container's devpts (docker exec -t); with -Interactive at a
    /// terminal, a terminal session in the container until the command exits (docker exec -it).
    /// </summary>
    [Parameter]
    public SwitchParameter Tty { get; set; }

    /// <summary>Input for the command's stdin (from the pipeline).</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _hasInput = true;
            _input.Append(InputObject.ToString()).Append('\n');
        }
    }

    protected override void EndProcessing()
    {
        if (Tty && _hasInput)
        {
            // As Start-Container -Tty: typed-ahead input can be flushed by the program's own terminal set-up.
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                "-Tty: pipeline input cannot be typed into the command's terminal; leave out -Tty to pass it as stdin"),
                "TtyWithPipelineInput", ErrorCategory.InvalidArgument, InputObject));
        }

        Container container;
        ExitStatus status;
        try
        {
            container = Engine.Containers.Find(Name)
                ?? throw Runtime.Errors.ContainerRuntimeException.NotFound("ContainerNotFound", $"No such container: {Name}", Name);
            status = Run(container);
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            SetExitCode(ShimExitCodes.RuntimeFailure);
            ThrowEngineError(e, Name);
            return;
        }

        SetExitCode(status.ExitCode);
        if (status.Error is not null && status.ExitCode is >= 125 and <= 127)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"container {container.Name}: {status.Error}"),
                status.ExitCode switch { 126 => "ContainerCommandNotExecutable", 127 => "ContainerCommandNotFound", _ => "ContainerExecFailed" },
                status.ExitCode == 127 ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidOperation, container.Name));
        }

        if (PassThru)
        {
            WriteObject(new ContainerCommandResult
            {
                ContainerId = container.Id,
                ContainerName = container.Name,
                Command = ArgumentList,
                ExitCode = status.ExitCode,
                Signal = status.Signal,
                Error = status.Error,
            });
        }
    }

    /// <summary>Starts the command and relays its streams until it ends; Ctrl+C kills it.</summary>
    private ExitStatus Run(Container container)
    {
        ExecOptions options = new()
        {
            Command = ArgumentList,
            User = User,
            WorkingDirectory = WorkingDirectory,
            Environment = Environment?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? ""),
            Privileged = Privileged,
            Tty = Tty,
            TerminalSize = Tty ? Runtime.Linux.Pty.SizeOf(1) ?? Runtime.Linux.Pty.SizeOf(0) : null,
        };
        string? input = _hasInput ? _input.ToString() : null;
        PipelinePump pump = new();
        return Run(pump, async () =>
        {
            using RunningExec running = Engine.Exec.Start(container, options);
            using CancellationTokenRegistration stop = CancellationToken.Register(running.Kill);
            Task streams = ContainerAttach.RelayStreamsAsync(this, pump, running.StandardInput, running.StandardOutput, running.StandardError, input, Interactive, Tty);
            ExitStatus status = await running.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await streams.ConfigureAwait(false);
            return status;
        });
    }

    private void SetExitCode(int code) => SessionState.PSVariable.Set("global:LASTEXITCODE", code);
}
