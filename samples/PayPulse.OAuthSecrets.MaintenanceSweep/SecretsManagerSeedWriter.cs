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

    /// <summary>Creates the secret <paramref name="name"/> holding <paramref name="value"/>.</summary>
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
        if (!response.IsSuccessStatusCode)
        {
            // The AWS JSON protocol's error: {"__type": "...", "message": "..."}; anything else is named by its status only.
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonObject? error = null;
            try
            {
                error = JsonNode.Parse(answer) as JsonObject;
            }
            catch (JsonException)
            {
            }

            var type = error?["__type"]?.ToString() ?? "(not an AWS JSON error)";
            var message = error?["message"]?.ToString() ?? error?["Message"]?.ToString();
            throw new HttpRequestException(string.Create(
                CultureInfo.InvariantCulture, $"CreateSecret '{name}' failed: HTTP {(int)response.StatusCode} {type}: {message}"));
        }
    }
}
