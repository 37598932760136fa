using System.Management.Automation;
using System.Reflection;
using System.Text;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Process;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Runs a command in a new container (docker run), or starts existing containers (docker start).</para>
/// <para type="description">With an image: finds it in the local store, pulling it as -Pull says, creates a container
/// from it and runs the image's command (or the one given). Attached (the default), the container's stdout comes out
/// on the pipeline line by line as it is produced, its stderr is written like a native command's, pipeline input
/// goes to its stdin, and its exit code lands in $LASTEXITCODE. With -Detach it returns the new container at once
/// and the container runs on, also after this PowerShell exits; its output goes to its log (Get-ContainerLog).
/// -Remove deletes the container when it exits, attached or detached.</para>
/// <para type="description">With -Name, or Container objects from the pipeline: starts those existing containers
/// (created or exited ones; a running one is left alone), detached unless -Attach is given.</para>
/// <para type="description">Put -- before a command whose options could be taken for this cmdlet's parameters
/// (-l for -Label, -r for -Remove, ...): Start-Container alpine -- ls -l. Because the command may contain -c, this
/// cmdlet has no -Confirm or -WhatIf.</para>
/// </summary>
/// <example><code>Start-Container hello-world</code></example>
/// <example><code>Start-Container busybox sh -c 'echo $$; hostname'</code></example>
/// <example><code>'hello' | Start-Container busybox -- wc -c</code></example>
/// <example><code>Start-Container busybox -EnvFile ./app.env -Environment @{ DEBUG = '1' } env</code></example>
/// <example><code>$web = Start-Container busybox -Detach -Name web -Label @{ tier = 'frontend' } httpd -f -p 8080</code></example>
/// <example><code>Get-Container -All -Name web | Start-Container -PassThru</code></example>
/// <example><code>Start-Container -Name build -Attach</code></example>
/// <example><code>Start-Container busybox -Interactive sh</code></example>
/// <example><code>Start-Container busybox -Interactive -Tty sh</code></example>
[Cmdlet(VerbsLifecycle.Start, "Container", DefaultParameterSetName = ExistingSet)]
[OutputType(typeof(string), typeof(Container))]
public sealed class StartContainerCommand : ContainerRunCommandBase
{
    private const string ExistingSet = "Existing";

    /// <summary>The parameters an existing container accepts; every other run parameter describes a new one.</summary>
    private static readonly HashSet<string> ExistingParameters = new(StringComparer.OrdinalIgnoreCase) { "Name", "InputObject", "Attach", "PassThru" };

    private static readonly string[] RunParameters = typeof(ContainerRunCommandBase)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
        .Where(p => p.GetCustomAttributes<ParameterAttribute>().Any())
        .Select(p => p.Name)
        .ToArray();

    private readonly StringBuilder _input = new();
    private bool _hasInput;

    /// <summary>A new container's shim, started before the image is looked up (see ContainerService.PrepareRun).</summary>
    private PreparedLaunch? _launch;

    /// <summary>Returns the new container at once and leaves it running, its output going to its log (docker run -d).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Detach { get; set; }

    /// <summary>Existing containers: relays their output and waits for them to end, as a new container's run does.</summary>
    [Parameter(ParameterSetName = ExistingSet)]
    public SwitchParameter Attach { get; set; }

    /// <summary>
    /// Attached: without pipeline input, this PowerShell's own stdin (the terminal, or what was piped into pwsh)
    /// becomes the container's, until it ends or the container does (docker run -i). No terminal is allocated.
    /// </summary>
    [Parameter]
    public SwitchParameter Interactive { get; set; }

    /// <summary>Writes the container: after it exits when attached, once started otherwise.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>For a new container: lines for its stdin. For existing ones: Container objects, names or ids.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    protected override void BeginProcessing()
    {
        if (ParameterSetName != ExistingSet)
        {
            return;
        }
        var misplaced = RunParameters.Where(p => !ExistingParameters.Contains(p) && MyInvocation.BoundParameters.ContainsKey(p)).ToList();
        if (misplaced.Count > 0)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                $"-{string.Join(", -", misplaced)} describe a new container; give an image to create one (an existing container keeps its configuration)"),
                "ParameterOnlyForNewContainer", ErrorCategory.InvalidArgument, misplaced[0]));
        }
        if (Interactive && !Attach)
        {
            WriteWarning("-Interactive needs -Attach for an existing container; it starts detached, its stdin /dev/null.");
        }
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ExistingSet)
        {
            StartExisting();
        }
        else if (InputObject is not null)
        {
            _hasInput = true;
            _input.Append(InputObject.ToString()).Append('\n');
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == ExistingSet)
        {
            return;
        }

        if (Tty && _hasInput && !Detach)
        {
            // docker's "the input device is not a TTY": typed-ahead input races the program's own terminal set-up
            // (a shell flushes what is pending when it starts line editing), so it could be lost and the run hang.
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(
                "-Tty: pipeline input cannot be typed into the container's terminal; leave out -Tty to pass it as stdin"),
                "TtyWithPipelineInput", ErrorCategory.InvalidArgument, InputObject));
        }

        try
        {
            RunNew();
        }
        finally
        {
            _launch?.Dispose(); // started by now, or never to be: its shim then exits having touched nothing
        }
    }

    private void RunNew()
    {
        Container container;
        try
        {
            var options = Options();
            // The shim starts now and boots while the image is found and the container created (docker run's path).
            var launch = _launch = Engine.Containers.PrepareRun(Detach, options);
            var image = FindOrPull();
            container = Run(new PipelinePump(), () => Engine.Containers.CreateAsync(image, Image, options, CancellationToken, launch));
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            ContainerAttach.SetExitCode(this, 125);
            ThrowEngineError(e, Image);
            return;
        }

        if (Detach)
        {
            if (_hasInput || Interactive)
            {
                WriteWarning("-Detach: the container's stdin is /dev/null; neither pipeline input nor -Interactive's is passed to it.");
            }
            if (StartDetached(container, _launch) is { } started)
            {
                WriteObject(started);
            }
            return;
        }
        var status = ContainerAttach.Run(this, Engine, container, _hasInput ? _input.ToString() : null, Interactive, CancellationToken, _launch, Tty);
        ContainerAttach.Report(this, container, status);
        if (PassThru)
        {
            WriteObject(ContainerAttach.AsEnded(Engine, container, status));
        }
    }

    private void StartExisting()
    {
        Container? container = InputObject?.BaseObject switch
        {
            Container given => given,
            null when Name is not null => Find(Name),
            null => NothingToStart(),
            var other => Find(other.ToString()!),
        };
        if (container is null)
        {
            return;
        }
        if (!Attach)
        {
            if (StartDetached(container) is { } started && PassThru)
            {
                WriteObject(started);
            }
            return;
        }
        try
        {
            var status = ContainerAttach.Run(this, Engine, container, null, Interactive, CancellationToken);
            ContainerAttach.Report(this, container, status);
            if (PassThru)
            {
                WriteObject(ContainerAttach.AsEnded(Engine, container, status));
            }
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteEngineError(e, container.Name);
        }
    }

    private Container? NothingToStart()
    {
        ThrowTerminatingError(new ErrorRecord(new PSArgumentException(
            "Give an image to run a new container, or -Name (or Container objects from the pipeline) to start existing ones."),
            "ContainerOrImageRequired", ErrorCategory.InvalidArgument, null));
        return null;
    }

    /// <summary>Starts detached; a command that cannot run is an error (with docker's exit code in $LASTEXITCODE).</summary>
    private Container? StartDetached(Container container, PreparedLaunch? launch = null)
    {
        try
        {
            return Run(new PipelinePump(), () => Engine.Containers.StartDetachedAsync(container, CancellationToken, launch));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            if (e is ContainerStartException start)
            {
                ContainerAttach.SetExitCode(this, start.ExitCode);
            }
            WriteEngineError(e, container.Name);
            return null;
        }
    }

    private Container? Find(string nameOrId)
    {
        try
        {
            return Engine.Containers.Get(nameOrId);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteEngineError(e, nameOrId);
            return null;
        }
    }
}
