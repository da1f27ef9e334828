using System.Security.Cryptography;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>One source document as a PDB records it: path, checksum, and whether its text is embedded.</summary>
internal sealed record PdbDocument(string Path, Guid HashAlgorithm, byte[] Hash, bool IsEmbedded)
{
    private static readonly Guid Sha1 = new("FF1816EC-AA5E-4D10-87F7-6F4963833460");
    private static readonly Guid Sha256 = new("8829D00F-11B8-4213-878B-770E8597AC16");

    /// <summary>Whether <paramref name="content"/> is the text this document's checksum was computed over.</summary>
    public bool HashMatches(byte[] content)
    {
        if (HashAlgorithm == Sha256)
        {
            return SHA256.HashData(content).AsSpan().SequenceEqual(Hash);
        }

        if (HashAlgorithm == Sha1)
        {
#pragma warning disable CA5350 // the PDB's own choice of checksum; nothing is secured by it
            return SHA1.HashData(content).AsSpan().SequenceEqual(Hash);
#pragma warning restore CA5350
        }

        throw new NotSupportedException($"Unknown document hash algorithm {HashAlgorithm} for {Path}.");
    }

    public override string ToString() => $"{Path} ({(IsEmbedded ? "embedded" : "by SourceLink")})";
}
