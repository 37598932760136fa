using PSContainer.Runtime.Images;

namespace PSContainer.Commands.Cmdlets;

/// <summary>
/// An image given either by name or id (a string) or as an image object (from Get-ContainerImage): PowerShell
/// converts both through these constructors, so one parameter takes either (PSOpenAD's identity pattern).
/// </summary>
public sealed class ImageIdentity
{
    public ImageIdentity(string name)
    {
        Name = name;
    }

    public ImageIdentity(ContainerImage image)
    {
        Image = image;
        Name = image.Name;
    }

    /// <summary>The name or id to look up, or the image's full name.</summary>
    public string Name { get; }

    /// <summary>The image itself, when an image object was given.</summary>
    public ContainerImage? Image { get; }

    public override string ToString() => Name;
}
