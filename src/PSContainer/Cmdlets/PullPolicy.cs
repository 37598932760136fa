namespace PSContainer.Commands.Cmdlets;

/// <summary>When Start-Container and New-Container pull their image (docker run --pull).</summary>
public enum PullPolicy
{
    /// <summary>Pull only when the image is not in the local store.</summary>
    Missing,

    /// <summary>Pull every time, so the tag is current.</summary>
    Always,

    /// <summary>Never pull: an image missing from the store is an error.</summary>
    Never,
}
