using System.Text.Json;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>A request as the handler saw it.</summary>
internal sealed record RecordedRequest(
    HttpMethod Method,
    Uri? Uri,
    IReadOnlyDictionary<string, string> Headers,
    string? ContentType,
    string Body)
{
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var value) ? value : null;

    public string Target => Header("X-Amz-Target") ?? string.Empty;

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public static async Task<RecordedRequest> FromAsync(HttpRequestMessage request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in request.Headers)
        {
            headers[header.Key] = string.Join(",", header.Value);
        }

        string? contentType = null;
        var body = string.Empty;
        if (request.Content is not null)
        {
            contentType = request.Content.Headers.ContentType?.ToString();
            body = await request.Content.ReadAsStringAsync();
        }

        return new RecordedRequest(request.Method, request.RequestUri, headers, contentType, body);
    }
}
