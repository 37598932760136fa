namespace PSContainer.Runtime.Errors;

/// <summary>
/// The closed set of failure classes the engine reports (containerd's errdefs).
/// The cmdlet layer maps each kind to exactly one PowerShell ErrorCategory.
/// </summary>
public enum ErrorKind
{
    Unknown,
    NotFound,
    AlreadyExists,
    InvalidArgument,
    FailedPrecondition,
    Unavailable,
    PermissionDenied,
    Unauthenticated,
    DataLoss,
    NotImplemented,
}
