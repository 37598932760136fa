using System.Globalization;
using System.Text;

namespace PSContainer.Runtime.Process;

/// <summary>
/// What stage 2 writes to the error pipe when it cannot exec the payload: "&lt;exit code&gt; &lt;message&gt;" in UTF-8,
/// in one write of at most 4096 bytes (PIPE_BUF, so it arrives whole). A successful execve closes the pipe
/// (it is close-on-exec) without writing anything, so end-of-file with no data means "the payload runs".
/// </summary>
internal readonly record struct ErrorRecord(int ExitCode, string Message)
{
    private const int MaxBytes = 4096;

    public byte[] Encode()
    {
        string text = ExitCode.ToString(CultureInfo.InvariantCulture) + " " + Message;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return bytes.Length <= MaxBytes ? bytes : bytes.AsSpan(0, MaxBytes).ToArray();
    }

    /// <summary>Parses what stage 2 wrote; anything malformed is a runtime failure carrying the raw text.</summary>
    public static ErrorRecord Decode(ReadOnlySpan<byte> data)
    {
        string text = Encoding.UTF8.GetString(data);
        int space = text.IndexOf(' ');
        if (space > 0 && int.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int code) &&
            code is ShimExitCodes.RuntimeFailure or ShimExitCodes.CannotExecute or ShimExitCodes.NotFound)
        {
            return new ErrorRecord(code, text[(space + 1)..]);
        }

        return new ErrorRecord(ShimExitCodes.RuntimeFailure, text);
    }
}
