using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PayPulse.OAuthSecrets.Internal.Serialization;

/// <summary>
/// The SecretString of a user's secret, in the format the Python Lambdas share. Known keys are written in the Python
/// writer's order; keys this library does not know are kept, in their order, on every rewrite.
/// </summary>
internal sealed class TokenBundleDocument
{
    public const string AccessTokenKey = "access_token";
    public const string RefreshTokenKey = "refresh_token";
    public const string ExpiresAtKey = "expires_at";
    public const string ExpiresInKey = "expires_in";
    public const string ScopeKey = "scope";
    public const string TokenTypeKey = "token_type";
    public const string CreatedAtKey = "created_at";
    public const string GoogleUserIdKey = "google_user_id";
    public const string GoogleEmailKey = "google_email";
    public const string GoogleNameKey = "google_name";
    public const string GoogleVerifiedEmailKey = "google_verified_email";

    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        AccessTokenKey, RefreshTokenKey, ExpiresAtKey, ExpiresInKey, ScopeKey, TokenTypeKey, CreatedAtKey,
        GoogleUserIdKey, GoogleEmailKey, GoogleNameKey, GoogleVerifiedEmailKey,
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    // Ten years: far beyond any token lifetime, and small enough that date arithmetic cannot overflow.
    private const double MaxSeconds = 10 * 366 * 24 * 3600;

    private readonly IReadOnlyList<KeyValuePair<string, JsonNode?>> _unknown;

    private TokenBundleDocument(OAuthTokenBundle bundle, IReadOnlyList<KeyValuePair<string, JsonNode?>> unknown)
    {
        Bundle = bundle;
        _unknown = unknown;
    }

    /// <summary>Gets the bundle the document holds.</summary>
    public OAuthTokenBundle Bundle { get; }

    /// <summary>Gets the keys this library does not know, in their stored order.</summary>
    public IEnumerable<string> UnknownKeys => _unknown.Select(p => p.Key);

    /// <summary>A new document with no unknown keys.</summary>
    public static TokenBundleDocument Create(OAuthTokenBundle bundle) => new(bundle, []);

    /// <summary>The same unknown keys around another bundle.</summary>
    public TokenBundleDocument With(OAuthTokenBundle bundle) => new(bundle, _unknown);

    /// <summary>Reads a SecretString; throws <see cref="OAuthSecretFormatException"/> naming the bad field.</summary>
    public static TokenBundleDocument Parse(string secretName, string json, string defaultScope)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject
                   ?? throw new OAuthSecretFormatException(secretName, null, "the value is not a JSON object");
        }
        catch (JsonException ex)
        {
            // The parser's message can quote the offending character; keep only where it is.
            throw new OAuthSecretFormatException(
                secretName, null, $"the value is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})");
        }

        try
        {
            var accessToken = RequiredString(secretName, root, AccessTokenKey);
            var expiresAt = RequiredTimestamp(secretName, root, ExpiresAtKey);
            var createdAt = OptionalTimestamp(secretName, root, CreatedAtKey);
            var expiresInSeconds = OptionalNumber(secretName, root, ExpiresInKey);
            var expiresIn = expiresInSeconds is { } seconds
                ? TimeSpan.FromSeconds(seconds)
                : createdAt is { } created ? expiresAt - created : TimeSpan.Zero;

            var bundle = new OAuthTokenBundle
            {
                AccessToken = accessToken,
                RefreshToken = OptionalString(secretName, root, RefreshTokenKey),
                ExpiresAt = expiresAt,
                ExpiresIn = expiresIn,
                Scope = OptionalString(secretName, root, ScopeKey) ?? defaultScope,
                TokenType = NullIfEmpty(OptionalString(secretName, root, TokenTypeKey)) ?? "Bearer",
                CreatedAt = createdAt ?? expiresAt - expiresIn,
                GoogleUser = ReadGoogleUser(secretName, root),
            };

            var unknown = root.Where(p => !KnownKeys.Contains(p.Key))
                .Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value?.DeepClone()))
                .ToArray();
            return new TokenBundleDocument(bundle, unknown);
        }
        catch (ArgumentException)
        {
            // JsonObject reports a duplicate key when it is first read.
            throw new OAuthSecretFormatException(secretName, null, "the value has a duplicate key");
        }
    }

    /// <summary>Writes the SecretString: known keys in the Python writer's order, then the unknown keys.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(AccessTokenKey, Bundle.AccessToken);
            if (Bundle.RefreshToken is null)
            {
                writer.WriteNull(RefreshTokenKey);
            }
            else
            {
                writer.WriteString(RefreshTokenKey, Bundle.RefreshToken);
            }

            writer.WriteString(ExpiresAtKey, PythonTimestamp.Format(Bundle.ExpiresAt));
            writer.WriteNumber(ExpiresInKey, (long)Math.Round(Bundle.ExpiresIn.TotalSeconds));
            writer.WriteString(ScopeKey, Bundle.Scope);
            writer.WriteString(TokenTypeKey, Bundle.TokenType);
            writer.WriteString(CreatedAtKey, PythonTimestamp.Format(Bundle.CreatedAt));
            if (Bundle.GoogleUser is { } user)
            {
                writer.WriteString(GoogleUserIdKey, user.Id);
                writer.WriteString(GoogleEmailKey, user.Email);
                writer.WriteString(GoogleNameKey, user.Name ?? string.Empty);
                writer.WriteBoolean(GoogleVerifiedEmailKey, user.VerifiedEmail);
            }

            foreach (var (key, value) in _unknown)
            {
                writer.WritePropertyName(key);
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static GoogleUserInfo? ReadGoogleUser(string secretName, JsonObject root)
    {
        var id = OptionalString(secretName, root, GoogleUserIdKey) ?? string.Empty;
        var email = OptionalString(secretName, root, GoogleEmailKey) ?? string.Empty;
        var name = NullIfEmpty(OptionalString(secretName, root, GoogleNameKey));
        var verified = OptionalBoolean(secretName, root, GoogleVerifiedEmailKey) ?? false;
        var present = root.ContainsKey(GoogleUserIdKey) || root.ContainsKey(GoogleEmailKey) ||
                      root.ContainsKey(GoogleNameKey) || root.ContainsKey(GoogleVerifiedEmailKey);
        return present ? new GoogleUserInfo(id, email, name, verified) : null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string RequiredString(string secretName, JsonObject root, string key)
    {
        var value = OptionalString(secretName, root, key);
        return string.IsNullOrEmpty(value)
            ? throw new OAuthSecretFormatException(secretName, key, root.ContainsKey(key) ? "is empty" : "is missing")
            : value;
    }

    private static string? OptionalString(string secretName, JsonObject root, string key)
    {
        if (!root.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        return node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : throw new OAuthSecretFormatException(secretName, key, $"must be a string but is a JSON {Describe(node)}");
    }

    private static double? OptionalNumber(string secretName, JsonObject root, string key)
    {
        if (!root.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.Number)
        {
            throw new OAuthSecretFormatException(secretName, key, $"must be a number but is a JSON {Describe(node)}");
        }

        var value = node.GetValue<double>();
        return double.IsFinite(value) && value >= 0 && value <= MaxSeconds
            ? value
            : throw new OAuthSecretFormatException(secretName, key, "is out of range");
    }

    private static bool? OptionalBoolean(string secretName, JsonObject root, string key)
    {
        if (!root.TryGetPropertyValue(key, out var node) || node is null)
        {
            return null;
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new OAuthSecretFormatException(secretName, key, $"must be true or false but is a JSON {Describe(node)}"),
        };
    }

    private static DateTimeOffset RequiredTimestamp(string secretName, JsonObject root, string key) =>
        OptionalTimestamp(secretName, root, key)
        ?? throw new OAuthSecretFormatException(secretName, key, "is missing");

    private static DateTimeOffset? OptionalTimestamp(string secretName, JsonObject root, string key)
    {
        var text = OptionalString(secretName, root, key);
        if (text is null)
        {
            return null;
        }

        return PythonTimestamp.TryParse(text, out var value)
            ? value
            : throw new OAuthSecretFormatException(secretName, key, "is not an ISO-8601 timestamp");
    }

    private static string Describe(JsonNode node) => node.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => "null",
    };
}
