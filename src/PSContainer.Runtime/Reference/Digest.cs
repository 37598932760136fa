using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using PSContainer.Runtime.Errors;

namespace PSContainer.Runtime.Reference;

/// <summary>
/// A validated content digest such as <c>sha256:9f86d0…</c> (OCI image-spec descriptor.md).
/// Only registered algorithms are accepted, with lowercase hex of the exact length, so a Digest
/// is always safe to use as a file name or in a registry URL.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly struct Digest : IEquatable<Digest>
{
    public const string Sha256 = "sha256";
    public const string Sha512 = "sha512";

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    /// <summary>The algorithm, <c>sha256</c> or <c>sha512</c>.</summary>
    public string Algorithm { get; }

    /// <summary>The lowercase hex encoding of the hash.</summary>
    public string Encoded { get; }

    public bool IsEmpty => Algorithm is null;

    /// <summary>The first 12 hex characters, as docker shows image ids.</summary>
    public string Short => Encoded.Length > 12 ? Encoded[..12] : Encoded;

    public static Digest Parse(string value)
    {
        if (TryParse(value, out var digest, out var error))
        {
            return digest;
        }
        throw ContainerRuntimeException.InvalidArgument("InvalidDigest", $"invalid digest \"{value}\": {error}", value);
    }

    public static bool TryParse(string? value, out Digest digest) => TryParse(value, out digest, out _);

    private static bool TryParse(string? value, out Digest digest, out string error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "empty";
            return false;
        }
        int colon = value.IndexOf(':');
        if (colon <= 0)
        {
            error = "expected <algorithm>:<hex>";
            return false;
        }
        string algorithm = value[..colon];
        string encoded = value[(colon + 1)..];
        int length = algorithm switch { Sha256 => 64, Sha512 => 128, _ => -1 };
        if (length < 0)
        {
            error = $"unsupported algorithm \"{algorithm}\"";
            return false;
        }
        if (encoded.Length != length)
        {
            error = $"{algorithm} needs {length} hex characters, got {encoded.Length}";
            return false;
        }
        foreach (char c in encoded)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                error = "encoded part must be lowercase hex";
                return false;
            }
        }
        digest = new Digest(algorithm, encoded);
        error = "";
        return true;
    }

    /// <summary>Builds a digest from a finished hash.</summary>
    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) =>
        Parse(algorithm + ":" + Convert.ToHexStringLower(hash));

    /// <summary>The sha256 digest of some bytes.</summary>
    public static Digest Compute(ReadOnlySpan<byte> data) => FromHash(Sha256, SHA256.HashData(data));

    /// <summary>A new incremental hash for this digest's algorithm.</summary>
    public IncrementalHash CreateHash() => CreateHash(Algorithm);

    public static IncrementalHash CreateHash(string algorithm) => algorithm switch
    {
        Sha256 => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        Sha512 => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "unsupported digest algorithm"),
    };

    public override string ToString() => IsEmpty ? "" : Algorithm + ":" + Encoded;

    public bool Equals(Digest other) => Algorithm == other.Algorithm && Encoded == other.Encoded;

    public override bool Equals(object? obj) => obj is Digest other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Algorithm, Encoded);

    public static bool operator ==(Digest left, Digest right) => left.Equals(right);

    public static bool operator !=(Digest left, Digest right) => !left.Equals(right);
}

/// <summary>Reads and writes a <see cref="Digest"/> as its string form, validating on read.</summary>
public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? text = reader.GetString();
        if (!Digest.TryParse(text, out var digest))
        {
            throw new JsonException($"invalid digest \"{text}\"");
        }
        return digest;
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
