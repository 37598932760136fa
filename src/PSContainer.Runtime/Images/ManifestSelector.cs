using PSContainer.Runtime.Errors;
using PSContainer.Runtime.Reference;
using PSContainer.Runtime.Spec;

namespace PSContainer.Runtime.Images;

/// <summary>Chooses the manifest for a platform from an index (containerd's platform filter, as a pure function).</summary>
public static class ManifestSelector
{
    /// <summary>
    /// The best entry of <paramref name="index"/> for <paramref name="platform"/>: the first exact match in
    /// index order, skipping attestation manifests (BuildKit's <c>vnd.docker.reference.type</c>) and entries
    /// that are not image manifests. NotFound when nothing matches, listing what the index offers.
    /// </summary>
    public static Descriptor Select(ImageIndex index, Platform platform, string reference)
    {
        var candidates = index.Manifests
            .Where(d => MediaTypes.IsManifest(d.MediaType) || string.IsNullOrEmpty(d.MediaType))
            .Where(d => d.Annotations?.GetValueOrDefault("vnd.docker.reference.type") != "attestation-manifest")
            .ToList();
        var match = candidates.FirstOrDefault(d => d.Platform is not null && platform.Matches(d.Platform));
        if (match is not null)
        {
            return match;
        }
        string offered = string.Join(", ", candidates.Where(d => d.Platform is not null).Select(d => Platform.Normalize(d.Platform!).ToString()).Distinct());
        throw ContainerRuntimeException.NotFound("ImagePlatformNotFound",
            $"{reference}: no manifest for platform {platform} (the image has: {(offered.Length == 0 ? "none" : offered)})", reference);
    }
}
