namespace PayPulse.OAuthSecrets.IntegrationTests.Infrastructure;

/// <summary>One request a <see cref="LoopbackHttpServer"/> received, as it arrived on the wire.</summary>
/// <param name="Method">The HTTP method, such as <c>POST</c>.</param>
/// <param name="Path">The absolute path, such as <c>/token</c>, without the query.</param>
/// <param name="Headers">The request headers (names compared case-insensitively; repeated headers joined with commas).</param>
/// <param name="Body">The body decoded as text; empty when there was none.</param>
/// <param name="Form">The fields of an <c>application/x-www-form-urlencoded</c> body, decoded; empty for other bodies.</param>
public sealed record RecordedHttpRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    IReadOnlyDictionary<string, string> Form)
{
    /// <summary>Returns the value of the header <paramref name="name"/>, or <see langword="null"/> when it was not sent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
