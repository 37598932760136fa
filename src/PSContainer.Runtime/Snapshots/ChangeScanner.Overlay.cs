using System.Text;
using PSContainer.Runtime.Layers;
using Tmds.Linux;
using PSContainer.Runtime.Linux;
using Sys = Tmds.Linux.LibC;

namespace PSContainer.Runtime.Snapshots;

/// <summary>The overlay half of <see cref="ChangeScanner"/>: an upper directory read against its lower layers.</summary>
public static partial class ChangeScanner
{
    private sealed class OverlayWalk(string container, List<ContainerChange> changes, IReadOnlySet<string> ignoreAdded, int maxDepth)
    {
        /// <summary>Walks one upper directory; <paramref name="lowers"/> are its counterparts in the lower layers that show through.</summary>
        public void Directory(DirectoryFd upper, string path, List<DirectoryFd> lowers, int depth = 0)
        {
            CheckDepth(container, depth, maxDepth);
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (nameZ, _) in DirectoryTree.ReadEntries(upper))
            {
                var name = nameZ.Span;
                names.Add(Encoding.Latin1.GetString(name[..^1]));
                string childPath = Join(path, name);
                if (!Stat(upper, name, out stat st))
                {
                    continue; // removed by the running container since it was listed
                }
                var below = Lookup(lowers, name);
                if (IsWhiteout(st))
                {
                    if (below is { } hidden)
                    {
                        changes.Add(Change(container, childPath, ChangeKind.Deleted, hidden));
                    }
                    continue;
                }
                if (below is null)
                {
                    if (!ignoreAdded.Contains(childPath))
                    {
                        changes.Add(Change(container, childPath, ChangeKind.Added, st));
                    }
                }
                else
                {
                    changes.Add(Change(container, childPath, ChangeKind.Changed, st));
                }
                if (!Sys.S_ISDIR(st.st_mode))
                {
                    continue;
                }
                using var child = OpenChild(upper, name);
                if (child is null)
                {
                    continue;
                }
                var childLowers = below is { } b && Sys.S_ISDIR(b.st_mode) ? Descend(lowers, name) : [];
                try
                {
                    if (IsOpaque(upper, name))
                    {
                        ReportHidden(child, childPath, childLowers);
                        Directory(child, childPath, [], depth + 1);
                    }
                    else
                    {
                        Directory(child, childPath, childLowers, depth + 1);
                    }
                }
                finally
                {
                    childLowers.ForEach(d => d.Dispose());
                }
            }
        }

        /// <summary>An opaque upper directory: every child the lower layers show and the upper one lacks is deleted.</summary>
        private void ReportHidden(DirectoryFd upper, string path, List<DirectoryFd> lowers)
        {
            var decided = new HashSet<string>(StringComparer.Ordinal);
            foreach (var lower in lowers)
            {
                foreach (var (nameZ, _) in DirectoryTree.ReadEntries(lower))
                {
                    string name = Encoding.Latin1.GetString(nameZ.Span[..^1]);
                    if (!decided.Add(name) || lower.TryStat(nameZ.Span, out stat st) != 0 || IsWhiteout(st))
                    {
                        continue; // a higher layer decided it already, or this layer hides it
                    }
                    if (upper.TryStat(nameZ.Span, out _) != 0)
                    {
                        changes.Add(Change(container, Join(path, nameZ.Span), ChangeKind.Deleted, st));
                    }
                }
            }
        }

        /// <summary>The first lower layer's entry for <paramref name="name"/>, or null when none shows one (a whiteout hides).</summary>
        private static stat? Lookup(List<DirectoryFd> lowers, ReadOnlySpan<byte> name)
        {
            foreach (var lower in lowers)
            {
                if (lower.TryStat(name, out stat st) == 0)
                {
                    return IsWhiteout(st) ? null : st;
                }
            }
            return null;
        }

        /// <summary>The lower directories of <paramref name="name"/> that show through, top first, as overlayfs merges them.</summary>
        private static List<DirectoryFd> Descend(List<DirectoryFd> lowers, ReadOnlySpan<byte> name)
        {
            var result = new List<DirectoryFd>();
            foreach (var lower in lowers)
            {
                if (lower.TryStat(name, out stat st) != 0)
                {
                    continue;
                }
                if (!Sys.S_ISDIR(st.st_mode))
                {
                    break; // a file, symlink or whiteout in this layer hides every layer below
                }
                result.Add(OpenChild(lower, name)!);
                if (IsOpaque(lower, name))
                {
                    break;
                }
            }
            return result;
        }
    }
}
