using System.Collections;
using System.Management.Automation;
using System.Text;
using PSContainer.Commands.Progress;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Process;
using PSContainer.Runtime.Reference;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// <para type="synopsis">Runs a command in a new container (docker run).</para>
/// <para type="description">Finds the image in the local store, pulling it when it is missing, creates a container
/// from it and runs the image's command (or the one given) attached: the container's stdout comes out on the
/// pipeline line by line as it is produced, its stderr is written like a native command's, pipeline input goes to
/// its stdin, and its exit code lands in $LASTEXITCODE. Put -- before a command whose options could be taken for
/// this cmdlet's parameters: Start-Container alpine -- ls -l.</para>
/// </summary>
/// <example><code>Start-Container hello-world</code></example>
/// <example><code>Start-Container busybox sh -c 'echo $$; hostname'</code></example>
/// <example><code>'hello' | Start-Container busybox -- wc -c</code></example>
[Cmdlet(VerbsLifecycle.Start, "Container")]
[OutputType(typeof(string), typeof(Container))]
public sealed class StartContainerCommand : ContainerRunCommandBase
{
    private readonly StringBuilder _input = new();
    private bool _hasInput;

    /// <summary>Writes the container object after it exits.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Input for the container's stdin (from the pipeline).</summary>
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
        Container container;
        try
        {
            var image = FindOrPull();
            var pump = new PipelinePump();
            container = Run(pump, () => Engine.Containers.CreateAsync(image, Image, Options(), CancellationToken));
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (Exception e)
        {
            SetExitCode(125);
            ThrowEngineError(e, Image);
            return;
        }

        var status = Attach(container);
        SetExitCode(status.ExitCode);
        if (status.Error is not null && status.ExitCode is >= 125 and <= 127)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"container {container.Name}: {status.Error}"),
                status.ExitCode switch { 126 => "ContainerCommandNotExecutable", 127 => "ContainerCommandNotFound", _ => "ContainerStartFailed" },
                status.ExitCode == 127 ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidOperation, container.Name));
        }
        if (PassThru)
        {
            WriteObject(Engine.Containers.Find(container.Id) ?? container);
        }
    }

    /// <summary>Starts the container and relays its streams until it exits; Ctrl+C stops it.</summary>
    private ExitStatus Attach(Container container)
    {
        var pump = new PipelinePump();
        return Run(pump, async () =>
        {
            var running = Engine.Containers.Start(container);
            using var stop = CancellationToken.Register(running.Kill);
            var stdin = FeedInputAsync(running);
            var stdout = RelayLinesAsync(running.StandardOutput, line => pump.Post(() => WriteObject(line)));
            var stderr = RelayLinesAsync(running.StandardError, line => pump.Post(() => NativeErrorWriter.Write(this, line)));
            var status = await running.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
            await stdin.ConfigureAwait(false);
            return status;
        });
    }

    private async Task FeedInputAsync(RunningContainer running)
    {
        try
        {
            if (_hasInput)
            {
                byte[] bytes = new UTF8Encoding(false).GetBytes(_input.ToString());
                await running.StandardInput.WriteAsync(bytes).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The container closed its stdin early (EPIPE), as `head` does: not an error.
        }
        finally
        {
            try
            {
                running.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task RelayLinesAsync(Stream stream, Action<string> onLine)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false));
        string? line;
        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
        {
            onLine(line);
        }
    }

    private void SetExitCode(int code) => SessionState.PSVariable.Set("global:LASTEXITCODE", code);
}
