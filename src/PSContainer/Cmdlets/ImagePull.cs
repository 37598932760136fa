using System.Management.Automation;
using PSContainer.Commands.Progress;
using PSContainer.Runtime;
using PSContainer.Runtime.Images;
using PSContainer.Runtime.Reference;

namespace PSContainer.Commands.Cmdlets;

/// <summary>A pull with docker's status lines and per-layer progress, shared by every cmdlet that pulls.</summary>
internal static class ImagePull
{
    private static int _nextActivityId = 1000;

    public static ContainerImage Pull(ContainerCmdletBase cmdlet, ContainerEngine engine, ImageReference reference, Platform? platform, bool quiet, CancellationToken cancellationToken)
    {
        string familiar = reference.ToFamiliarString();
        var before = engine.Images.Find(reference.ToString());
        if (!quiet)
        {
            Status(cmdlet, $"{reference.Tag ?? reference.Digest?.ToString()}: Pulling from {reference.Path}");
        }
        var pump = new PipelinePump();
        var view = new PullProgressView(cmdlet, Interlocked.Add(ref _nextActivityId, 1000));
        var progress = quiet ? null : view.Reporter(pump);
        var image = cmdlet.Run(pump, () => engine.Images.PullAsync(reference.ToString(), platform, progress, cancellationToken));
        if (!quiet)
        {
            Status(cmdlet, $"Digest: {image.Digest}");
            Status(cmdlet, before is not null && before.Digest == image.Digest
                ? $"Status: Image is up to date for {familiar}"
                : $"Status: Downloaded newer image for {familiar}");
        }
        return image;
    }

    /// <summary>A status line in the host's output, like docker's stderr lines; capturable with 6>&amp;1.</summary>
    public static void Status(Cmdlet cmdlet, string message) =>
        cmdlet.WriteInformation(new InformationRecord(new HostInformationMessage { Message = message }, "PSContainer") { Tags = { "PSHOST" } });
}
