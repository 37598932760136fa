using System.Collections;
using System.Management.Automation;
using PSContainer.Runtime.Containers;
using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Images;
using PSContainer.Commands.Completers;
using PSContainer.Runtime.Reference;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// The parameters that describe a new container (docker run's and docker create's options), shared by every
/// cmdlet that creates one, and the image lookup that pulls a missing image.
/// </summary>
/// <remarks>
/// Every parameter but -Name belongs to <see cref="RunSet"/>: Start-Container's other parameter set (existing
/// containers) takes none of them, and refuses any that is bound anyway.
/// No parameter or alias here may start with "c": PowerShell matches parameter-name prefixes, and
/// <c>Start-Container busybox sh -c '…'</c> must hand <c>-c</c> to the container, not bind it here.
/// </remarks>
public abstract class ContainerRunCommandBase : ContainerCmdletBase
{
    /// <summary>The parameter set of everything that describes a new container (Start-Container has a second one).</summary>
    protected const string RunSet = "Run";

    /// <summary>The image to run: name[:tag], name@digest or an image id.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RunSet)]
    [ValidateNotNullOrEmpty]
    [ImageArgument]
    public string Image { get; set; } = "";

    /// <summary>The command and its arguments; replaces the image's Cmd.</summary>
    [Parameter(Position = 1, ValueFromRemainingArguments = true, ParameterSetName = RunSet)]
    [Alias("Args")]
    public string[]? ArgumentList { get; set; }

    /// <summary>A name for the container.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Replaces the image's entrypoint.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public string[]? Entrypoint { get; set; }

    /// <summary>Environment variables to set, as a hashtable.</summary>
    [Parameter(ParameterSetName = RunSet)]
    [Alias("Env")]
    public Hashtable? Environment { get; set; }

    /// <summary>
    /// Files of environment variables, read in order (docker --env-file): one NAME=value per line, the value taken as
    /// it is (quotes are not removed); a line with only NAME passes this session's $env:NAME, and is left out when that
    /// is not set; blank lines and lines starting with # are skipped. Later files override earlier ones, -Environment
    /// overrides them all, and they all override the image's Env. A missing file is an error (EnvFileNotFound).
    /// </summary>
    [Parameter(ParameterSetName = RunSet)]
    [ValidateNotNullOrEmpty]
    public string[]? EnvFile { get; set; }

    /// <summary>The working directory inside the container.</summary>
    [Parameter(ParameterSetName = RunSet)]
    [Alias("Workdir")]
    public string? WorkingDirectory { get; set; }

    /// <summary>The container's hostname (default: the first 12 digits of its id).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public string? Hostname { get; set; }

    /// <summary>The user to run as: name or uid, optionally :group or :gid, resolved in the image's /etc/passwd and /etc/group.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public string? User { get; set; }

    /// <summary>none (the default: a network namespace with only loopback) or host (the host's network).</summary>
    [Parameter(ParameterSetName = RunSet)]
    [ValidateSet("none", "host")]
    public string? Network { get; set; }

    /// <summary>Every capability and host device, no seccomp filter and no masked paths (docker --privileged).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Privileged { get; set; }

    /// <summary>Capabilities to add to docker's default set (NET_ADMIN or CAP_NET_ADMIN; ALL for every one).</summary>
    [Parameter(ParameterSetName = RunSet)]
    [ArgumentCompleter(typeof(CapabilityCompleter))]
    public string[]? AddCapability { get; set; }

    /// <summary>Capabilities to remove from the set (ALL for every one).</summary>
    [Parameter(ParameterSetName = RunSet)]
    [ArgumentCompleter(typeof(CapabilityCompleter))]
    public string[]? DropCapability { get; set; }

    /// <summary>Mounts the container's root filesystem read-only.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter ReadOnly { get; set; }

    /// <summary>tmpfs mounts: /path or /path:options (size=64m,mode=1777,exec,…).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public string[]? Tmpfs { get; set; }

    /// <summary>Volumes: /host/path:/path, name:/path (a named volume, created on first use) or /path; :ro makes one read-only.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public string[]? Volume { get; set; }

    /// <summary>The memory limit: bytes (64MB works) or a number with a unit b, k, m or g ("512m").</summary>
    [Parameter(ParameterSetName = RunSet)]
    [ValidateNotNullOrEmpty]
    public string? Memory { get; set; }

    /// <summary>How many CPUs' worth of time the container may use (docker --cpus), for example 1.5.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public double? Processors { get; set; }

    /// <summary>The most processes and threads the container may have (0 or less: no limit).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public long? PidsLimit { get; set; }

    /// <summary>Runs a minimal init as PID 1 that reaps zombies and forwards signals to the command (docker --init).</summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Init { get; set; }

    /// <summary>
    /// Gives the command a pseudo-terminal (docker run -t) as its stdin, stdout and stderr, sized like this
    /// session's terminal; its output is one stream. With -Interactive at a terminal, the session is the
    /// container's until it exits: keys go to it as typed (Ctrl+C included) and its output is shown as it comes.
    /// </summary>
    [Parameter(ParameterSetName = RunSet)]
    public SwitchParameter Tty { get; set; }

    /// <summary>The platform to pull when the image is missing, as os/arch[/variant].</summary>
    [Parameter(ParameterSetName = RunSet)]
    public string? Platform { get; set; }

    // ---- Lifecycle options (the container's life rather than its isolation) ----

    /// <summary>Removes the container once it has exited (docker's --rm), attached or detached.</summary>
    [Parameter(ParameterSetName = RunSet)]
    [Alias("Rm")]
    public SwitchParameter Remove { get; set; }

    /// <summary>When to pull the image: Missing (default) pulls it if the store lacks it, Always pulls, Never fails instead.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public PullPolicy Pull { get; set; } = PullPolicy.Missing;

    /// <summary>Labels for the container, as a hashtable; Get-Container -Label filters on them.</summary>
    [Parameter(ParameterSetName = RunSet)]
    public Hashtable? Label { get; set; }

    // ---- end of lifecycle options ----

    /// <summary>The run options the parameters describe; read (env files) and checked before any image is pulled, as docker does.</summary>
    protected RunOptions Options() => new()
    {
        Name = Name,
        Command = ArgumentList,
        Entrypoint = Entrypoint,
        Environment = Environment?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? ""),
        EnvFileVariables = EnvFile?.SelectMany(ReadEnvFile).ToList(),
        WorkingDirectory = WorkingDirectory,
        Hostname = Hostname,
        User = User,
        Network = Network,
        Privileged = Privileged,
        AddCapabilities = AddCapability,
        DropCapabilities = DropCapability,
        ReadOnly = ReadOnly,
        Tmpfs = Tmpfs,
        Volumes = Volume,
        Memory = Memory is null ? null : ByteSize.Parse(Memory),
        Processors = Processors,
        PidsLimit = PidsLimit,
        Init = Init,
        Tty = Tty,
        TerminalSize = Tty ? Runtime.Linux.Pty.SizeOf(1) ?? Runtime.Linux.Pty.SizeOf(0) : null,
        Labels = Label?.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString() ?? ""),
        AutoRemove = Remove,
    };

    /// <summary>An env file's variables; the path is PowerShell's (relative to the current location), a bare name's value this process's.</summary>
    private IReadOnlyList<KeyValuePair<string, string>> ReadEnvFile(string path) =>
        Runtime.Containers.EnvFile.Read(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path), System.Environment.GetEnvironmentVariable);

    /// <summary>The image from the store, pulled first (with docker's status lines) as -Pull says: when missing, always, or never.</summary>
    protected ContainerImage FindOrPull()
    {
        var image = Pull == PullPolicy.Always ? null : Engine.Images.Find(Image);
        if (image is not null)
        {
            return image;
        }
        var reference = ImageReference.Parse(Image);
        if (Pull == PullPolicy.Never)
        {
            throw ContainerRuntimeException.NotFound("ImageNotFoundLocally",
                $"image {reference.ToFamiliarString()}: not in the local store, and -Pull Never forbids pulling it", Image);
        }
        if (Pull == PullPolicy.Missing)
        {
            ImagePull.Status(this, $"Unable to find image '{reference.ToFamiliarString()}' locally");
        }
        var platform = Platform is null ? null : Runtime.Reference.Platform.Parse(Platform);
        return ImagePull.Pull(this, Engine, reference, platform, quiet: false, CancellationToken);
    }
}
