using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Images;

public enum PullPhase
{
    Resolving,
    Resolved,
    Waiting,
    Downloading,
    Downloaded,
    AlreadyExists,
    Unpacking,
    Unpacked,
    Complete,

    // Push (the same events carry a push's progress: docker shows both the same way).
    Pushing,
    Pushed,
    Mounted,
}

/// <summary>
/// A step of a pull (or push), reported through <see cref="IProgress{T}"/>. Layer events carry the layer's digest and
/// byte counts; the cmdlet turns them into one progress record per layer under a parent record.
/// </summary>
public sealed record PullProgress(PullPhase Phase, string Reference, Digest? Digest = null, long Current = 0, long Total = 0, string? Message = null);
