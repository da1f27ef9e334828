using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;

namespace PayPulse.OAuthSecrets.MaintenanceSweep;

/// <summary>
/// Creates demo secrets on a real Secrets Manager (or moto) with plain, SigV4-signed <c>CreateSecret</c> calls, so that
/// it can write any value, malformed ones and old <c>created_at</c> included, as a Python Lambda could. Only the demo
/// users are written, each under the run's own prefix.
/// </summary>
internal sealed class SecretsManagerSeedWriter(HttpClient http, Uri serviceUrl, RegionEndpoint region, AWSCredentials credentials)
{
    private const string ContentType = "application/x-amz-json-1.1";
    private const string Target = "secretsmanager.CreateSecret";
    private const int MaxAttempts = 4;

    // Signed, but set on the request by other means (the content, the handler).
    private static readonly HashSet<string> SetAbove = new(["Host", "Content-Type", "X-Amz-Target"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets where the secrets are written.</summary>
    public Uri ServiceUrl { get; } = serviceUrl;

    /// <summary>A writer for the Region, endpoint and credentials the library is configured with.</summary>
    /// <exception cref="InvalidOperationException">No Region is configured.</exception>
    public static async Task<SecretsManagerSeedWriter> CreateAsync(OAuthSecretsOptions options, HttpClient http)
    {
        var regionName = options.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION")
            ?? throw new InvalidOperationException("Seeding needs an AWS Region: set PayPulse:OAuthSecrets:Region or AWS_REGION.");
        var region = RegionEndpoint.GetBySystemName(regionName);
        var serviceUrl = options.ServiceUrl ?? new Uri($"https://secretsmanager.{regionName}.{region.PartitionDnsSuffix}/");
        var credentials = options.Credentials ?? await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync();
        return new SecretsManagerSeedWriter(http, serviceUrl, region, credentials);
    }

    /// <summary>
    /// Creates the secret <paramref name="name"/> holding <paramref name="value"/>. Throttling and server errors are
    /// tried again (up to four attempts, with the same request token); a retry that finds the secret made by an earlier
    /// attempt succeeds.
    /// </summary>
    /// <exception cref="HttpRequestException">Secrets Manager refused (the message names the error, never the value).</exception>
    public async Task CreateSecretAsync(string name, string value, CancellationToken cancellationToken)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(new JsonObject
        {
            ["Name"] = name,
            ["SecretString"] = value,
            ["ClientRequestToken"] = Guid.NewGuid().ToString(),
            ["Description"] = "PayPulse.OAuthSecrets maintenance sweep sample: demo user",
        }.ToJsonString());
        for (var attempt = 1; ; attempt++)
        {
            var (status, type, message) = await SendAsync(body, cancellationToken);
            if (status is >= 200 and < 300 || (attempt > 1 && type == "ResourceExistsException"))
            {
                return;
            }

            var transient = status is 429 or >= 500 || type is "ThrottlingException";
            if (!transient || attempt == MaxAttempts)
            {
                throw new HttpRequestException(string.Create(
                    CultureInfo.InvariantCulture, $"CreateSecret '{name}' failed: HTTP {status} {type}: {message}"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken);
        }
    }

    /// <summary>Sends one signed CreateSecret; the status and, for an error, the AWS JSON protocol's type and message.</summary>
    private async Task<(int Status, string? Type, string? Message)> SendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var signingRequest = new AWSSigningRequest { HttpMethod = HttpMethod.Post, RequestUri = ServiceUrl, Content = body };
        signingRequest.Headers["Content-Type"] = ContentType;
        signingRequest.Headers["X-Amz-Target"] = Target;
        var signed = await AWSSigV4Signer.SignAsync(
            signingRequest,
            new AWSSigV4Parameters { Credentials = credentials, Region = region, Service = "secretsmanager" },
            cancellationToken);

        using var request = new HttpRequestMessage(HttpMethod.Post, ServiceUrl) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", Target);
        foreach (var header in signed.Headers)
        {
            if (!SetAbove.Contains(header.Key))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return ((int)response.StatusCode, null, null);
        }

        // The AWS JSON protocol's error: {"__type": "...", "message": "..."}; anything else is named by its status only.
        JsonObject? error = null;
        try
        {
            error = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
        }
        catch (JsonException)
        {
        }

        // "__type" may be namespaced ("com.amazonaws...#ResourceExistsException").
        var type = error?["__type"]?.ToString() is { } t ? t[(t.LastIndexOf('#') + 1)..] : "(not an AWS JSON error)";
        return ((int)response.StatusCode, type, error?["message"]?.ToString() ?? error?["Message"]?.ToString());
    }
}
