using System.Management.Automation;
using PSContainer.Runtime.Errors;

namespace PSContainer.Commands;

/// <summary>The one place where engine failures become PowerShell errors: each ErrorKind maps to one category.</summary>
internal static class ErrorMapping
{
    public static ErrorCategory CategoryOf(ErrorKind kind) => kind switch
    {
        ErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        ErrorKind.AlreadyExists => ErrorCategory.ResourceExists,
        ErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        ErrorKind.FailedPrecondition => ErrorCategory.InvalidOperation,
        ErrorKind.Unavailable => ErrorCategory.ResourceUnavailable,
        ErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        ErrorKind.Unauthenticated => ErrorCategory.AuthenticationError,
        ErrorKind.DataLoss => ErrorCategory.InvalidData,
        ErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        _ => ErrorCategory.NotSpecified,
    };

    /// <summary>An ErrorRecord for any exception the engine may throw; the ErrorId is stable.</summary>
    public static ErrorRecord ToErrorRecord(Exception exception, object? target = null) => exception switch
    {
        ContainerRuntimeException e => new ErrorRecord(e, e.ErrorId, CategoryOf(e.Kind), target ?? e.Target),
        OperationCanceledException e => new ErrorRecord(e, "OperationStopped", ErrorCategory.OperationStopped, target),
        UnauthorizedAccessException e => new ErrorRecord(e, "StoreAccessDenied", ErrorCategory.PermissionDenied, target),
        IOException e => new ErrorRecord(e, "StoreIOError", ErrorCategory.WriteError, target),
        _ => new ErrorRecord(exception, "ContainerRuntimeError", ErrorCategory.NotSpecified, target),
    };
}
