using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PayPulse.OAuthSecrets.Internal.Serialization;

/// <summary>
/// The SecretString of a user's secret, in the format the Python Lambdas share. Known keys are written in the Python
/// writer's order; keys this library does not know are kept, in their order, on every rewrite.
/// </summary>
/// <remarks>
/// Edge cases read as a sane bundle, never as an overflow:
/// <list type="bullet">
/// <item><c>expires_at</c> is kept as stored over the whole calendar (<c>0001-01-01T00:00:00</c> is an expired token,
/// <c>9999-12-31T23:59:59.999999</c> a valid one); one whose offset puts it outside the calendar is not a timestamp.</item>
/// <item><c>created_at</c> is kept as stored, even after <c>expires_at</c>; when it is missing it is
/// <c>expires_at - expires_in</c>, at least <see cref="DateTimeOffset.MinValue"/>.</item>
/// <item><c>expires_in</c> is informational: when it is negative, not finite or beyond
/// <see cref="OAuthTokenBundleExtensions.MaxLifetime"/> it is unknown, like a missing one: <c>expires_at - created_at</c>
/// when that lies within zero and the maximum, else zero.</item>
/// <item>A missing or empty <c>google_user_id</c> is no Google account (the Python refresh writes <c>""</c> for one);
/// the Google keys it came with are written back as they were while the bundle has no account, so a rewrite neither
/// invents an account nor drops keys the Python side wrote.</item>
/// </list>
/// </remarks>
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

    private static readonly string[] GoogleKeys = [GoogleUserIdKey, GoogleEmailKey, GoogleNameKey, GoogleVerifiedEmailKey];

    private readonly IReadOnlyList<KeyValuePair<string, JsonNode?>> _unknown;

    // The Google keys of a stored document that holds no account (google_user_id missing or ""), as stored.
    private readonly IReadOnlyList<KeyValuePair<string, JsonNode?>> _noAccountGoogleKeys;

    private TokenBundleDocument(
        OAuthTokenBundle bundle,
        IReadOnlyList<KeyValuePair<string, JsonNode?>> unknown,
        IReadOnlyList<KeyValuePair<string, JsonNode?>> noAccountGoogleKeys)
    {
        Bundle = bundle;
        _unknown = unknown;
        _noAccountGoogleKeys = noAccountGoogleKeys;
    }

    /// <summary>Gets the bundle the document holds.</summary>
    public OAuthTokenBundle Bundle { get; }

    /// <summary>Gets the keys this library does not know, in their stored order.</summary>
    public IEnumerable<string> UnknownKeys => _unknown.Select(p => p.Key);

    /// <summary>A new document with no unknown keys.</summary>
    public static TokenBundleDocument Create(OAuthTokenBundle bundle) => new(bundle, [], []);

    /// <summary>The same unknown keys (and stored no-account Google keys) around another bundle.</summary>
    public TokenBundleDocument With(OAuthTokenBundle bundle) => new(bundle, _unknown, _noAccountGoogleKeys);

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
            var expiresIn = ExpiresIn(OptionalNumber(secretName, root, ExpiresInKey), expiresAt, createdAt);
            var googleUser = ReadGoogleUser(secretName, root);

            var bundle = new OAuthTokenBundle
            {
                AccessToken = accessToken,
                RefreshToken = OptionalString(secretName, root, RefreshTokenKey),
                ExpiresAt = expiresAt,
                ExpiresIn = expiresIn,
                Scope = OptionalString(secretName, root, ScopeKey) ?? defaultScope,
                TokenType = NullIfEmpty(OptionalString(secretName, root, TokenTypeKey)) ?? "Bearer",
                CreatedAt = createdAt ?? Before(expiresAt, expiresIn),
                GoogleUser = googleUser,
            };

            var unknown = root.Where(p => !KnownKeys.Contains(p.Key))
                .Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value?.DeepClone()))
                .ToArray();
            KeyValuePair<string, JsonNode?>[] noAccountGoogleKeys = googleUser is null
                ? GoogleKeys.Where(root.ContainsKey).Select(k => new KeyValuePair<string, JsonNode?>(k, root[k]?.DeepClone())).ToArray()
                : [];
            return new TokenBundleDocument(bundle, unknown, noAccountGoogleKeys);
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
            else
            {
                WriteAll(writer, _noAccountGoogleKeys);
            }

            WriteAll(writer, _unknown);

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteAll(Utf8JsonWriter writer, IReadOnlyList<KeyValuePair<string, JsonNode?>> properties)
    {
        foreach (var (key, value) in properties)
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
    }

    /// <summary>
    /// The stored <c>expires_in</c> when it is a sane lifetime; else (missing, negative, not finite, beyond
    /// <see cref="OAuthTokenBundleExtensions.MaxLifetime"/>) <c>expires_at - created_at</c> when that is one; else zero.
    /// </summary>
    private static TimeSpan ExpiresIn(double? storedSeconds, DateTimeOffset expiresAt, DateTimeOffset? createdAt)
    {
        var max = OAuthTokenBundleExtensions.MaxLifetime;
        if (storedSeconds is { } seconds && double.IsFinite(seconds) && seconds >= 0 && seconds <= max.TotalSeconds)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (createdAt is not { } created)
        {
            return TimeSpan.Zero;
        }

        // Two dates of the calendar are at most about 10,000 years apart, well within TimeSpan.
        var derived = expiresAt - created;
        return derived >= TimeSpan.Zero && derived <= max ? derived : TimeSpan.Zero;
    }

    /// <summary><paramref name="value"/> minus <paramref name="span"/> (not negative), at least <see cref="DateTimeOffset.MinValue"/>.</summary>
    private static DateTimeOffset Before(DateTimeOffset value, TimeSpan span) =>
        value - DateTimeOffset.MinValue < span ? DateTimeOffset.MinValue : value - span;

    /// <summary>
    /// The stored Google account, or <see langword="null"/> when <c>google_user_id</c> is missing or empty: the Python
    /// refresh writes <c>""</c> (and <c>google_email: ""</c>, <c>google_name: ""</c>, <c>google_verified_email: false</c>)
    /// for a user without one. The other keys are still type-checked.
    /// </summary>
    private static GoogleUserInfo? ReadGoogleUser(string secretName, JsonObject root)
    {
        var id = OptionalString(secretName, root, GoogleUserIdKey);
        var email = OptionalString(secretName, root, GoogleEmailKey) ?? string.Empty;
        var name = NullIfEmpty(OptionalString(secretName, root, GoogleNameKey));
        var verified = OptionalBoolean(secretName, root, GoogleVerifiedEmailKey) ?? false;
        return string.IsNullOrEmpty(id) ? null : new GoogleUserInfo(id, email, name, verified);
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

        // Any JSON number reads as a double: beyond its range as an infinity, which the caller treats as unknown.
        return node.GetValue<double>();
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
