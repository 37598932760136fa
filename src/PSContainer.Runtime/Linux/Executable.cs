using static Tmds.Linux.LibC;

namespace PSContainer.Runtime.Linux;

/// <summary>Finding the program to exec, the way execvp(3) and Go's exec.LookPath do.</summary>
public static unsafe class Executable
{
    /// <summary>The PATH runc and docker use when the config's environment has none.</summary>
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// Resolves <paramref name="name"/> against <paramref name="path"/> (a PATH value) unless it contains a '/'.
    /// Throws a <see cref="LinuxException"/> with ENOENT when nothing is found and EACCES when only files that
    /// cannot be executed were (so the caller can answer 127 or 126, as shells do). Must run after the switch to
    /// the container's user, so that access(2) judges with that user's permissions.
    /// </summary>
    public static string Resolve(string name, string? path)
    {
        if (name.Length == 0)
        {
            throw new LinuxException(Errno.ENOENT, "exec", "\"\"", "no command given");
        }

        if (name.Contains('/'))
        {
            int errno = Check(name);
            return errno == 0 ? name : throw new LinuxException(errno, "exec", name);
        }

        bool sawDenied = false;
        foreach (string dir in (path ?? DefaultPath).Split(':'))
        {
            // An empty PATH element means the current directory, as in execvp.
            string candidate = (dir.Length == 0 ? "." : dir.TrimEnd('/')) + "/" + name;
            int errno = Check(candidate);
            if (errno == 0)
            {
                return candidate;
            }

            sawDenied |= errno == Errno.EACCES;
        }

        throw sawDenied
            ? new LinuxException(Errno.EACCES, "exec", $"\"{name}\"")
            : new LinuxException(Errno.ENOENT, "exec", $"\"{name}\"", "executable file not found in $PATH");
    }

    /// <summary>0 for an executable regular file, else ENOENT (missing) or EACCES (not executable, a directory).</summary>
    private static int Check(string file)
    {
        FileSystemInfo info = new FileInfo(file);
        if (!info.Exists)
        {
            return Directory.Exists(file) ? Errno.EACCES : Errno.ENOENT;
        }

        fixed (byte* p = NativeStrings.Utf8z(file))
        {
            return access(p, X_OK) == 0 ? 0 : Errno.EACCES;
        }
    }
}
