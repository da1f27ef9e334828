using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// Turns a failed Secrets Manager response into a <see cref="SecretsManagerException"/>. The one place where
/// error codes and HTTP statuses are classified.
/// </summary>
internal static partial class SecretsManagerErrorMapper
{
    private const int MaxMessageLength = 400;

    private static readonly HashSet<string> ThrottlingCodes = new(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
        "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded", "SlowDown", "PriorRequestNotComplete", "TransactionInProgressException",
        "EC2ThrottledException",
    };

    private static readonly HashSet<string> ServiceErrorCodes = new(StringComparer.Ordinal)
    {
        "InternalServiceError", "InternalFailure", "InternalServiceFailure", "InternalServerError",
        "ServiceUnavailable", "ServiceUnavailableException", "InternalError",
    };

    private static readonly HashSet<string> TimeoutCodes = new(StringComparer.Ordinal)
    {
        "RequestTimeout", "RequestTimeoutException",
    };

    private static readonly HashSet<string> AuthenticationCodes = new(StringComparer.Ordinal)
    {
        "UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch",
        "IncompleteSignature", "ExpiredTokenException", "ExpiredToken", "MissingAuthenticationToken",
        "MissingAuthenticationTokenException", "InvalidAccessKeyId", "RequestExpired", "RequestTimeTooSkewed",
        "RequestInTheFuture", "AuthFailure",
    };

    private static readonly HashSet<string> AccessDeniedCodes = new(StringComparer.Ordinal)
    {
        "AccessDeniedException", "AccessDenied", "NotAuthorized", "OptInRequired",
    };

    /// <summary>Builds the exception for a non-success response.</summary>
    public static SecretsManagerException FromResponse(
        string operation, string secretId, HttpStatusCode status, HttpResponseHeaders headers, ReadOnlySpan<byte> body) =>
        FromResponse(operation, secretId, status, headers, body, out _);

    /// <summary>
    /// Builds the exception for a non-success response, and returns the service's own message (unshortened), which
    /// the clock-skew and expired-credential rules read.
    /// </summary>
    public static SecretsManagerException FromResponse(
        string operation, string secretId, HttpStatusCode status, HttpResponseHeaders headers, ReadOnlySpan<byte> body, out string? serviceMessage)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var (bodyCode, bodyMessage) = ParseBody(body);
        var code = SanitizeCode(HeaderValue(headers, "X-Amzn-ErrorType")) ?? SanitizeCode(bodyCode);
        var message = HeaderValue(headers, "x-amzn-error-message") ?? bodyMessage;
        serviceMessage = message;
        var requestId = HeaderValue(headers, "x-amzn-RequestId") ?? HeaderValue(headers, "x-amz-request-id");
        var kind = Classify(code, message, status);

        var text = new StringBuilder()
            .Append("Secrets Manager ").Append(operation).Append(" on '").Append(secretId).Append("' failed: ")
            .Append(code ?? "no error code").Append(" (HTTP ").Append((int)status).Append(')');
        if (!string.IsNullOrWhiteSpace(message))
        {
            text.Append(": ").Append(Clean(message));
        }

        if (requestId is not null)
        {
            text.Append(" [request id ").Append(Clean(requestId)).Append(']');
        }

        return new SecretsManagerException(text.ToString(), kind, code, status, requestId);
    }

    /// <summary>Classifies an error code (already sanitized) and status into a kind.</summary>
    public static SecretsManagerErrorKind Classify(string? code, string? message, HttpStatusCode status)
    {
        switch (code)
        {
            case "ResourceNotFoundException":
                return SecretsManagerErrorKind.NotFound;
            case "ResourceExistsException":
                return SecretsManagerErrorKind.AlreadyExists;
            case "InvalidRequestException":
                return message is not null &&
                       (message.Contains("scheduled for deletion", StringComparison.OrdinalIgnoreCase) ||
                        message.Contains("marked for deletion", StringComparison.OrdinalIgnoreCase) ||
                        message.Contains("marked deleted", StringComparison.OrdinalIgnoreCase))
                    ? SecretsManagerErrorKind.ScheduledForDeletion
                    : SecretsManagerErrorKind.InvalidRequest;
            case "InvalidParameterException" or "ValidationException" or "ValidationError" or "InvalidParameterValue"
                or "SerializationException" or "InvalidAction":
                return SecretsManagerErrorKind.InvalidParameter;
            case "DecryptionFailure" or "EncryptionFailure":
                return SecretsManagerErrorKind.Kms;
            case "LimitExceededException":
                return SecretsManagerErrorKind.QuotaExceeded;
            case not null when code.StartsWith("KMS", StringComparison.Ordinal):
                return SecretsManagerErrorKind.Kms;
            case not null when ThrottlingCodes.Contains(code):
                return SecretsManagerErrorKind.Throttled;
            case not null when ServiceErrorCodes.Contains(code):
                return SecretsManagerErrorKind.ServiceUnavailable;
            case not null when TimeoutCodes.Contains(code):
                return SecretsManagerErrorKind.Timeout;
            case not null when AuthenticationCodes.Contains(code):
                return SecretsManagerErrorKind.Authentication;
            case not null when AccessDeniedCodes.Contains(code):
                return SecretsManagerErrorKind.AccessDenied;
        }

        return status switch
        {
            HttpStatusCode.TooManyRequests => SecretsManagerErrorKind.Throttled,
            HttpStatusCode.RequestTimeout => SecretsManagerErrorKind.Timeout,
            HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
                or HttpStatusCode.GatewayTimeout => SecretsManagerErrorKind.ServiceUnavailable,
            HttpStatusCode.Forbidden when code is null => SecretsManagerErrorKind.AccessDenied,
            _ => SecretsManagerErrorKind.Unknown,
        };
    }

    /// <summary>
    /// Whether an authentication failure says the session credentials expired (<c>ExpiredTokenException</c>,
    /// <c>ExpiredToken</c>, or the message AWS sends with an expired session token under another code), so that fresh
    /// credentials may succeed.
    /// </summary>
    public static bool IsExpiredCredentials(string? code, string? message) =>
        string.Equals(code, "ExpiredTokenException", StringComparison.OrdinalIgnoreCase) ||
        string.Equals(code, "ExpiredToken", StringComparison.OrdinalIgnoreCase) ||
        (message is not null && message.Contains("security token included in the request is expired", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Keeps the error name of a code such as <c>aws.protocoltests#FooError:http://internal.amazon.com/</c>:
    /// the text after the last <c>#</c> and before the first <c>:</c>.
    /// </summary>
    public static string? SanitizeCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            return null;
        }

        var span = code.AsSpan().Trim();
        var colon = span.IndexOf(':');
        if (colon >= 0)
        {
            span = span[..colon];
        }

        var hash = span.LastIndexOf('#');
        if (hash >= 0)
        {
            span = span[(hash + 1)..];
        }

        span = span.Trim();
        return span.IsEmpty ? null : span.ToString();
    }

    private static (string? Code, string? Message) ParseBody(ReadOnlySpan<byte> body)
    {
        var trimmed = body.Trim(" \t\r\n"u8);
        if (trimmed.IsEmpty)
        {
            return (null, null);
        }

        if (trimmed[0] == (byte)'{')
        {
            try
            {
                var reader = new Utf8JsonReader(trimmed);
                using var document = JsonDocument.ParseValue(ref reader);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    return (null, null);
                }

                return (StringProperty(document.RootElement, "__type") ?? StringProperty(document.RootElement, "code"),
                    StringProperty(document.RootElement, "message") ?? StringProperty(document.RootElement, "Message"));
            }
            catch (JsonException)
            {
                return (null, null);
            }
        }

        if (trimmed[0] == (byte)'<')
        {
            var text = Encoding.UTF8.GetString(trimmed);
            var code = XmlCode().Match(text);
            var message = XmlMessage().Match(text);
            return (code.Success ? code.Groups["v"].Value : null, message.Success ? message.Groups["v"].Value : null);
        }

        return (null, null);
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? HeaderValue(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) : null;

    private static string Clean(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxMessageLength));
        foreach (var c in text)
        {
            if (builder.Length == MaxMessageLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString().Trim();
    }

    [GeneratedRegex("<Code>\\s*(?<v>[^<]*?)\\s*</Code>", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex XmlCode();

    [GeneratedRegex("<Message>\\s*(?<v>[^<]*?)\\s*</Message>", RegexOptions.CultureInvariant | RegexOptions.Singleline | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex XmlMessage();
}
