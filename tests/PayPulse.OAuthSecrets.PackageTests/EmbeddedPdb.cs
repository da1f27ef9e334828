using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>What a debugger reads from the PDB embedded in an assembly: its source documents and SourceLink map.</summary>
internal sealed class EmbeddedPdb
{
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");
    private static readonly Guid EmbeddedSourceKind = new("0E8A571B-6926-466E-B4AD-8AB04611F5FE");

    private EmbeddedPdb(string? sourceLinkJson, IReadOnlyList<PdbDocument> documents)
    {
        SourceLinkJson = sourceLinkJson;
        Documents = documents;
    }

    /// <summary>The SourceLink JSON, or <see langword="null"/> when the PDB has none.</summary>
    public string? SourceLinkJson { get; }

    public IReadOnlyList<PdbDocument> Documents { get; }

    /// <summary>Reads the embedded PDB of <paramref name="assembly"/>, or returns <see langword="null"/> when it has none.</summary>
    public static EmbeddedPdb? Read(byte[] assembly)
    {
        using var peReader = new PEReader(new MemoryStream(assembly));
        var entry = peReader.ReadDebugDirectory().FirstOrDefault(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        if (entry.DataSize == 0)
        {
            return null;
        }

        using var provider = peReader.ReadEmbeddedPortablePdbDebugDirectoryData(entry);
        var pdb = provider.GetMetadataReader();

        string? sourceLink = null;
        foreach (var handle in pdb.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var info = pdb.GetCustomDebugInformation(handle);
            if (pdb.GetGuid(info.Kind) == SourceLinkKind)
            {
                sourceLink = Encoding.UTF8.GetString(pdb.GetBlobBytes(info.Value));
            }
        }

        var documents = new List<PdbDocument>();
        foreach (var handle in pdb.Documents)
        {
            var document = pdb.GetDocument(handle);
            var embedded = pdb.GetCustomDebugInformation(handle)
                .Any(h => pdb.GetGuid(pdb.GetCustomDebugInformation(h).Kind) == EmbeddedSourceKind);
            documents.Add(new PdbDocument(
                pdb.GetString(document.Name),
                pdb.GetGuid(document.HashAlgorithm),
                pdb.GetBlobBytes(document.Hash),
                embedded));
        }

        return new EmbeddedPdb(sourceLink, documents);
    }
}
