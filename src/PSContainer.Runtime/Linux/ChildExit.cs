namespace PSContainer.Runtime.Linux;

/// <summary>
/// How a child process ended. <see cref="ExitCode"/> follows the shell's convention (128 + n for a death by
/// signal n); <see cref="Signal"/> says whether that is what happened.
/// </summary>
public readonly record struct ChildExit(int ExitCode, int? Signal);
