using System.Text;

namespace PayPulse.OAuthSecrets.PackageTests;

/// <summary>Reads a git repository with the git command line.</summary>
public sealed class GitRepository(string directory)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public string Directory { get; } = directory;

    public async Task<string> RunAsync(params string[] arguments) =>
        (await ProcessRunner.RunAsync("git", Directory, ["-C", Directory, .. arguments], Timeout)).EnsureSuccess().Output.Trim();

    /// <summary>
    /// The content of each of <paramref name="paths"/> (relative, with forward slashes) at <paramref name="commit"/>,
    /// or <see langword="null"/> for a path that is not in that commit; read in one <c>git cat-file --batch</c>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, byte[]?>> ReadBlobsAsync(string commit, IReadOnlyList<string> paths)
    {
        var input = new StringBuilder();
        foreach (var path in paths)
        {
            input.Append(commit).Append(':').Append(path).Append('\n');
        }

        var result = (await ProcessRunner.RunAsync("git", Directory, ["-C", Directory, "cat-file", "--batch"], Timeout, input.ToString()))
            .EnsureSuccess();
        var output = result.StandardOutputBytes;
        var blobs = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        var position = 0;
        foreach (var path in paths)
        {
            var lineEnd = Array.IndexOf(output, (byte)'\n', position);
            var header = Encoding.UTF8.GetString(output, position, lineEnd - position);
            position = lineEnd + 1;
            if (header.EndsWith(" missing", StringComparison.Ordinal))
            {
                blobs[path] = null;
                continue;
            }

            // "<object id> <type> <size>", then the content and a newline.
            var fields = header.Split(' ');
            if (fields.Length != 3 || fields[1] != "blob")
            {
                throw new InvalidOperationException($"Unexpected answer from git cat-file for {path}: {header}");
            }

            var size = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            blobs[path] = output.AsSpan(position, size).ToArray();
            position += size + 1;
        }

        return blobs;
    }
}
