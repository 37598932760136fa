using System.Text.RegularExpressions;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Containers;

/// <summary>
/// Named volumes, docker's local driver layout: <c>&lt;store&gt;/volumes/&lt;name&gt;/_data</c> is what containers mount.
/// A volume is created on first use; the directory appears whole (built as <c>new-*</c>, then renamed), so two
/// processes creating the same volume at once end up sharing one and a kill -9 never leaves half a volume.
/// </summary>
public sealed partial class VolumeStore
{
    public VolumeStore(string root)
    {
        Root = Path.GetFullPath(root);
    }

    /// <summary>The directory holding the volumes (the engine passes <c>&lt;store&gt;/volumes</c>).</summary>
    public string Root { get; }

    /// <summary>docker's rule for volume names: <c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>.</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>The <c>_data</c> directory of volume <paramref name="name"/>, created if it does not exist yet.</summary>
    public string Ensure(string name)
    {
        if (!IsValidName(name))
        {
            throw ContainerRuntimeException.InvalidArgument("VolumeNameInvalid",
                $"volume name \"{name}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters", name);
        }

        string volume = Path.Combine(Root, name);
        string data = Path.Combine(volume, "_data");
        if (Directory.Exists(data))
        {
            return data;
        }

        Directory.CreateDirectory(Root);
        string staging = Path.Combine(Root, "new-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(staging, "_data"));
        try
        {
            Directory.Move(staging, volume);
        }
        catch (IOException) when (Directory.Exists(data))
        {
            // Another process created it first: use theirs.
            Directory.Delete(staging, recursive: true);
        }

        return data;
    }

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex NamePattern();
}
