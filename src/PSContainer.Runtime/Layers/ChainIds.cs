using System.Text;
using PSContainer.Runtime.Reference;

namespace PSContainer.Runtime.Layers;

/// <summary>
/// ChainIDs (image-spec config.md "Layer ChainID"): the identity of a layer applied on top of its parents.
/// ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)).
/// </summary>
public static class ChainIds
{
    public static Digest Next(Digest? parent, Digest diffId) =>
        parent is null ? diffId : Digest.Compute(Encoding.ASCII.GetBytes(parent.Value + " " + diffId));

    /// <summary>The ChainID of every prefix of <paramref name="diffIds"/> (bottom layer first).</summary>
    public static IReadOnlyList<Digest> Compute(IReadOnlyList<Digest> diffIds)
    {
        var result = new Digest[diffIds.Count];
        Digest? parent = null;
        for (int i = 0; i < diffIds.Count; i++)
        {
            parent = result[i] = Next(parent, diffIds[i]);
        }
        return result;
    }
}
