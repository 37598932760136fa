using System.Globalization;
using System.Text;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// The user a container's process runs as, resolved from docker's <c>--user</c> syntax (<c>name|uid[:group|gid]</c>)
/// against the container's own <c>/etc/passwd</c> and <c>/etc/group</c>, with runc's rules (libcontainer/user
/// GetExecUser): a name must exist; a number need not (then gid 0 and HOME=/); an explicit group replaces the
/// primary group and suppresses the supplementary ones, which otherwise are every group that lists the user.
/// </summary>
public sealed record ContainerUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home)
{
    private const uint MaxId = int.MaxValue;

    public static ContainerUser Resolve(string? user, RootfsFiles files)
    {
        string spec = string.IsNullOrEmpty(user) ? "0" : user;
        string[] parts = spec.Split(':', 2);
        string userPart = parts[0].Length == 0 ? "0" : parts[0];
        string? groupPart = parts.Length == 2 && parts[1].Length > 0 ? parts[1] : null;

        IReadOnlyList<string[]> passwd = Read(files, "/etc/passwd", 7);
        bool numericUser = TryParseId(userPart, out uint uid);
        string[]? entry = passwd.FirstOrDefault(e => numericUser ? TryParseId(e[2], out uint u) && u == uid : e[0] == userPart);
        if (entry is null && !numericUser)
        {
            throw new ContainerRuntimeException(ErrorKind.NotFound, "ContainerUserNotFound",
                $"unable to find user {userPart}: no matching entries in passwd file") { Target = user };
        }

        uint gid = 0;
        string home = "/";
        if (entry is not null)
        {
            uid = ParseId(entry[2], "uid", "/etc/passwd");
            gid = ParseId(entry[3], "gid", "/etc/passwd");
            home = entry[5].Length > 0 ? entry[5] : "/";
        }

        List<uint> additional = [];
        if (groupPart is not null || entry is not null)
        {
            IReadOnlyList<string[]> groups = Read(files, "/etc/group", 4);
            if (groupPart is not null)
            {
                if (TryParseId(groupPart, out uint g))
                {
                    gid = g;
                }
                else
                {
                    string[] group = groups.FirstOrDefault(e => e[0] == groupPart)
                        ?? throw new ContainerRuntimeException(ErrorKind.NotFound, "ContainerGroupNotFound",
                            $"unable to find group {groupPart}: no matching entries in group file") { Target = user };
                    gid = ParseId(group[2], "gid", "/etc/group");
                }
            }
            else
            {
                foreach (string[] group in groups)
                {
                    if (group[3].Split(',').Contains(entry![0]) && TryParseId(group[2], out uint g) && !additional.Contains(g))
                    {
                        additional.Add(g);
                    }
                }
            }
        }

        return new ContainerUser(uid, gid, additional, home);
    }

    /// <summary>The lines of a colon-separated database with at least <paramref name="fields"/> fields (padded), comments and blanks left out.</summary>
    private static IReadOnlyList<string[]> Read(RootfsFiles files, string path, int fields)
    {
        byte[]? content = files.ReadFile(path, maxBytes: 16 * 1024 * 1024);
        if (content is null)
        {
            return [];
        }

        List<string[]> entries = [];
        foreach (string raw in Encoding.UTF8.GetString(content).Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-')
            {
                continue; // NIS "+"/"-" entries are not for us, as in runc
            }

            string[] parts = line.Split(':');
            if (parts.Length < fields)
            {
                Array.Resize(ref parts, fields);
                for (int i = 0; i < fields; i++)
                {
                    parts[i] ??= "";
                }
            }

            entries.Add(parts);
        }

        return entries;
    }

    private static bool TryParseId(string text, out uint id) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id <= MaxId;

    private static uint ParseId(string text, string what, string file) =>
        TryParseId(text, out uint id) ? id : throw ContainerRuntimeException.InvalidArgument("ContainerUserDatabaseInvalid",
            $"{file}: {what} \"{text}\" is not a number between 0 and {MaxId}", file);
}
