using System.Text;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// docker's <c>--env-file</c> format (docker/cli opts/envfile.go, now pkg/kvfile), read the way the docker client reads it:
/// <list type="bullet">
/// <item>one variable per line, <c>NAME=value</c>; the value is everything after the first <c>=</c>, kept as it is —
/// quotes are not removed and trailing whitespace stays part of it;</item>
/// <item>leading whitespace is dropped; a line that is then empty, or starts with <c>#</c>, is skipped;</item>
/// <item>a line with only <c>NAME</c> takes the value the caller's environment has for it, and is left out when it has none;</item>
/// <item>a line with no name (<c>=value</c>), or a name with a space or tab in it, is an error naming the file and line
/// (EnvFileInvalid), and so are bytes that are not UTF-8 and NUL characters (which no environment can hold);</item>
/// <item>lines end at LF, a CR before it is dropped, and a UTF-8 byte order mark at the start of the file is ignored.</item>
/// </list>
/// </summary>
public static class EnvFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The variables of the env file at <paramref name="path"/>, in file order (a name may come twice: the last one wins
    /// once they are applied). <paramref name="lookup"/> answers for lines that give only a name: its value, or null
    /// when it is not set. A missing file is NotFound (EnvFileNotFound).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Read(string path, Func<string, string?> lookup)
    {
        byte[] content;
        try
        {
            if (Directory.Exists(path))
            {
                throw ContainerRuntimeException.InvalidArgument("EnvFileUnreadable", $"env file {path}: is a directory", path);
            }

            content = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerRuntimeException(ErrorKind.NotFound, "EnvFileNotFound", $"env file {path}: no such file", e) { Target = path };
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ContainerRuntimeException(ErrorKind.PermissionDenied, "EnvFileUnreadable", $"env file {path}: {e.Message}", e) { Target = path };
        }
        catch (IOException e)
        {
            throw new ContainerRuntimeException(ErrorKind.InvalidArgument, "EnvFileUnreadable", $"env file {path}: {e.Message}", e) { Target = path };
        }

        return Parse(content, path, lookup);
    }

    /// <summary>The variables of env-file <paramref name="content"/>; <paramref name="path"/> only names the file in errors.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(ReadOnlySpan<byte> content, string path, Func<string, string?> lookup)
    {
        List<KeyValuePair<string, string>> variables = [];
        int number = 0;
        while (!content.IsEmpty)
        {
            number++;
            int end = content.IndexOf((byte)'\n');
            ReadOnlySpan<byte> raw = end < 0 ? content : content[..end];
            content = end < 0 ? [] : content[(end + 1)..];
            if (raw.EndsWith("\r"u8))
            {
                raw = raw[..^1];
            }

            string line = Decode(raw, path, number);
            if (number == 1 && line.StartsWith('\uFEFF'))
            {
                line = line[1..];
            }

            line = line.TrimStart();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.Contains('\0'))
            {
                throw Invalid(path, number, "contains a NUL character");
            }

            int equals = line.IndexOf('=');
            string name = equals < 0 ? line : line[..equals];
            if (name.Length == 0)
            {
                throw Invalid(path, number, $"no variable name in \"{line}\"");
            }

            if (name.AsSpan().IndexOfAny(' ', '\t') >= 0)
            {
                throw Invalid(path, number, $"variable name \"{name}\" contains whitespace");
            }

            if (equals >= 0)
            {
                variables.Add(new(name, line[(equals + 1)..]));
            }
            else if (lookup(name) is { } value)
            {
                variables.Add(new(name, value));
            }
        }

        return variables;
    }

    private static string Decode(ReadOnlySpan<byte> raw, string path, int number)
    {
        try
        {
            return StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid(path, number, "is not valid UTF-8");
        }
    }

    private static ContainerRuntimeException Invalid(string path, int number, string why) =>
        ContainerRuntimeException.InvalidArgument("EnvFileInvalid", $"env file {path}, line {number}: {why}", path);
}
