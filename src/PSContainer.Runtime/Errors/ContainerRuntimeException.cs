namespace PSContainer.Runtime.Errors;

/// <summary>
/// A failure of the engine. <see cref="Kind"/> is the class of failure; <see cref="ErrorId"/> is a stable
/// name for this particular failure (for example <c>ImagePullDigestMismatch</c>) that callers and scripts
/// may rely on. Messages read "what: why" and name the digest, reference or path concerned.
/// </summary>
public class ContainerRuntimeException : Exception
{
    public ContainerRuntimeException(ErrorKind kind, string errorId, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        ErrorId = errorId;
    }

    public ErrorKind Kind { get; }

    public string ErrorId { get; }

    /// <summary>The object the failure concerns (a reference, a digest, a container id), if any.</summary>
    public object? Target { get; init; }

    public static ContainerRuntimeException NotFound(string errorId, string message, object? target = null) =>
        new(ErrorKind.NotFound, errorId, message) { Target = target };

    public static ContainerRuntimeException InvalidArgument(string errorId, string message, object? target = null) =>
        new(ErrorKind.InvalidArgument, errorId, message) { Target = target };

    public static ContainerRuntimeException DataLoss(string errorId, string message, object? target = null) =>
        new(ErrorKind.DataLoss, errorId, message) { Target = target };

    public static ContainerRuntimeException FailedPrecondition(string errorId, string message, object? target = null) =>
        new(ErrorKind.FailedPrecondition, errorId, message) { Target = target };

    public static ContainerRuntimeException Unavailable(string errorId, string message, Exception? inner = null, object? target = null) =>
        new(ErrorKind.Unavailable, errorId, message, inner) { Target = target };
}
