using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PayPulse.OAuthSecrets.Internal.Retry;
using Polly.Timeout;

namespace PayPulse.OAuthSecrets.Internal.SecretsManager;

/// <summary>
/// A small Secrets Manager client over the AWS JSON 1.1 protocol: requests are signed with AWSSDK.Core's SigV4
/// signer on every attempt, transient failures are retried by a Polly pipeline with capped full-jitter backoff,
/// and failed responses become <see cref="SecretsManagerException"/>s.
/// </summary>
/// <remarks>
/// Within one attempt, two failures are answered by sending the request once more, as the AWS SDKs do, without
/// using up an attempt of <see cref="OAuthSecretsOptions.MaxAttempts"/>: a clock skew (the correction is kept per
/// endpoint in <see cref="ClockCorrections"/> and the request re-signed at the corrected time), and expired session
/// credentials (cleared or resolved again through <see cref="AwsCredentialSource"/>). Each happens at most once per
/// attempt; if it persists, the failure is <see cref="SecretsManagerErrorKind.Authentication"/> and not retried.
/// </remarks>
internal sealed class SecretsManagerClient : ISecretsManagerClient
{
    /// <summary>The largest response body read; anything longer is an invalid response.</summary>
    public const int MaxResponseBytes = 1024 * 1024;

    private const string ContentType = "application/x-amz-json-1.1";

    private static readonly MediaTypeHeaderValue ContentTypeHeader = new(ContentType);

    private readonly HttpClient _httpClient;
    private readonly SecretsManagerEndpoint _endpoint;
    private readonly OAuthSecretsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly LazyRetryPipeline _pipeline;
    private readonly ClockCorrections _clockCorrections;
    private readonly AwsCredentialSource _credentials;

    public SecretsManagerClient(
        HttpClient httpClient,
        SecretsManagerEndpoint endpoint,
        OAuthSecretsOptions options,
        TimeProvider? timeProvider = null,
        ILogger<SecretsManagerClient>? logger = null,
        Func<double>? jitter = null,
        ClockCorrections? clockCorrections = null,
        Func<Task<AWSCredentials>>? resolveDefaultCredentials = null,
        RetryBudget? retryBudget = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(options);
        _httpClient = httpClient;
        _endpoint = endpoint;
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _clockCorrections = clockCorrections ?? ClockCorrections.Shared;
        _credentials = new AwsCredentialSource(options.Credentials, resolveDefaultCredentials);
        RetryBudget = retryBudget ?? RetryBudget.ForSecretsManager(options, _timeProvider);
        var jitterSource = jitter ?? Random.Shared.NextDouble;
        _pipeline = new LazyRetryPipeline(options, IsTransient, RetryBudget, () => TransientRetry.Create(
            options,
            _timeProvider,
            jitterSource,
            IsTransient,
            (ex, nextAttempt, delay) =>
            {
                var failure = (SecretsManagerException)ex;
                Log.RetryingSecretsManagerCall(_logger, nextAttempt, _options.MaxAttempts, delay, failure.Kind, failure.ErrorCode, failure);
            },
            RetryBudget,
            ex =>
            {
                var failure = (SecretsManagerException)ex;
                Log.RetryQuotaExhausted(_logger, failure.Kind, failure.ErrorCode, RetryBudget.Quota.Available, RetryBudget.Quota.Capacity, failure);
            }));
    }

    /// <summary>Gets whether the retry pipeline has been built (it is, once a first attempt failed transiently).</summary>
    internal bool IsRetryPipelineBuilt => _pipeline.IsBuilt;

    /// <summary>Gets the retry quota and rate limiter shared by every call of this client.</summary>
    public RetryBudget RetryBudget { get; }

    /// <summary>Gets the user-agent token added to every request: <c>lib/PayPulse.OAuthSecrets#version</c>.</summary>
    public static string UserAgent { get; } = "lib/PayPulse.OAuthSecrets#" + LibraryInfo.Version;

    /// <summary>The primary handler for the Secrets Manager <see cref="HttpClient"/>: pooled, no redirects.</summary>
    public static SocketsHttpHandler CreatePrimaryHandler() => new()
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
    };

    public async Task<SecretValue> GetSecretValueAsync(string secretId, CancellationToken cancellationToken = default)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        var response = await SendAsync(
            "GetSecretValue",
            secretId,
            new SecretsManagerWire.SecretIdRequest { SecretId = secretId },
            SecretsManagerJsonContext.Default.SecretIdRequest,
            SecretsManagerJsonContext.Default.GetSecretValueResponse,
            cancellationToken,
            static r => r.SecretString is not null || r.SecretBinary is not null).ConfigureAwait(false);
        return new SecretValue(response.Name ?? secretId, response.Arn, response.VersionId, response.SecretString, response.SecretBinary);
    }

    public async Task<SecretWriteResult> CreateSecretAsync(NewSecret secret, string clientRequestToken, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secret);
        SecretsManagerLimits.ValidateName(secret.Name, nameof(secret));
        SecretsManagerLimits.ValidateSecretString(secret.SecretString, nameof(secret));
        SecretsManagerLimits.ValidateClientRequestToken(clientRequestToken);
        var request = new SecretsManagerWire.CreateSecretRequest
        {
            Name = secret.Name,
            ClientRequestToken = clientRequestToken,
            SecretString = secret.SecretString,
            Description = secret.Description,
            KmsKeyId = string.IsNullOrWhiteSpace(secret.KmsKeyId) ? null : secret.KmsKeyId,
            Tags = secret.Tags is { Count: > 0 } tags
                ? tags.Select(t => new SecretsManagerWire.Tag { Key = t.Key, Value = t.Value }).ToArray()
                : null,
        };
        var response = await SendAsync(
            "CreateSecret",
            secret.Name,
            request,
            SecretsManagerJsonContext.Default.CreateSecretRequest,
            SecretsManagerJsonContext.Default.WriteSecretResponse,
            cancellationToken).ConfigureAwait(false);
        return new SecretWriteResult(response.Name ?? secret.Name, response.Arn, response.VersionId);
    }

    public Task<SecretWriteResult> PutSecretValueAsync(string secretId, string secretString, string clientRequestToken, CancellationToken cancellationToken = default) =>
        PutAsync(secretId, secretString, clientRequestToken, versionStage: null, cancellationToken);

    public Task<SecretWriteResult> PutSecretValueAsync(
        string secretId, string secretString, string clientRequestToken, string versionStage, CancellationToken cancellationToken = default)
    {
        SecretsManagerLimits.ValidateVersionStage(versionStage);
        return PutAsync(secretId, secretString, clientRequestToken, versionStage, cancellationToken);
    }

    public async Task UpdateSecretVersionStageAsync(
        string secretId, string versionStage, string moveToVersionId, string removeFromVersionId, CancellationToken cancellationToken = default)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        SecretsManagerLimits.ValidateVersionStage(versionStage);
        SecretsManagerLimits.ValidateClientRequestToken(moveToVersionId, nameof(moveToVersionId));
        ArgumentException.ThrowIfNullOrEmpty(removeFromVersionId);
        await SendAsync(
            "UpdateSecretVersionStage",
            secretId,
            new SecretsManagerWire.UpdateSecretVersionStageRequest
            {
                SecretId = secretId,
                VersionStage = versionStage,
                MoveToVersionId = moveToVersionId,
                RemoveFromVersionId = removeFromVersionId,
            },
            SecretsManagerJsonContext.Default.UpdateSecretVersionStageRequest,
            SecretsManagerJsonContext.Default.UpdateSecretVersionStageResponse,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<SecretWriteResult> PutAsync(
        string secretId, string secretString, string clientRequestToken, string? versionStage, CancellationToken cancellationToken)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        SecretsManagerLimits.ValidateSecretString(secretString);
        SecretsManagerLimits.ValidateClientRequestToken(clientRequestToken);
        var response = await SendAsync(
            "PutSecretValue",
            secretId,
            new SecretsManagerWire.PutSecretValueRequest
            {
                SecretId = secretId,
                ClientRequestToken = clientRequestToken,
                SecretString = secretString,
                VersionStages = versionStage is null ? null : [versionStage],
            },
            SecretsManagerJsonContext.Default.PutSecretValueRequest,
            SecretsManagerJsonContext.Default.WriteSecretResponse,
            cancellationToken).ConfigureAwait(false);
        return new SecretWriteResult(response.Name ?? secretId, response.Arn, response.VersionId);
    }

    public async Task DeleteSecretAsync(string secretId, bool forceDeleteWithoutRecovery = true, CancellationToken cancellationToken = default)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        await SendAsync(
            "DeleteSecret",
            secretId,
            new SecretsManagerWire.DeleteSecretRequest
            {
                SecretId = secretId, ForceDeleteWithoutRecovery = forceDeleteWithoutRecovery ? true : null,
            },
            SecretsManagerJsonContext.Default.DeleteSecretRequest,
            SecretsManagerJsonContext.Default.DeleteSecretResponse,
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<SecretDescription> DescribeSecretAsync(string secretId, CancellationToken cancellationToken = default)
    {
        SecretsManagerLimits.ValidateSecretId(secretId);
        var response = await SendAsync(
            "DescribeSecret",
            secretId,
            new SecretsManagerWire.SecretIdRequest { SecretId = secretId },
            SecretsManagerJsonContext.Default.SecretIdRequest,
            SecretsManagerJsonContext.Default.DescribeSecretResponse,
            cancellationToken).ConfigureAwait(false);
        return new SecretDescription(
            response.Name ?? secretId,
            response.Arn,
            response.KmsKeyId,
            FromEpochSeconds(response.CreatedDate),
            FromEpochSeconds(response.LastChangedDate),
            FromEpochSeconds(response.DeletedDate));
    }

    public async Task<SecretListPage> ListSecretsAsync(string namePrefix, string? nextToken, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(namePrefix);
        var response = await SendAsync(
            "ListSecrets",
            namePrefix,
            new SecretsManagerWire.ListSecretsRequest
            {
                MaxResults = SecretListPage.MaxResults,
                NextToken = nextToken,
                Filters = [new SecretsManagerWire.Filter { Key = "name", Values = [namePrefix] }],
            },
            SecretsManagerJsonContext.Default.ListSecretsRequest,
            SecretsManagerJsonContext.Default.ListSecretsResponse,
            cancellationToken,
            static r => r.SecretList is not null).ConfigureAwait(false);
        var names = new List<string>(response.SecretList!.Count);
        foreach (var entry in response.SecretList)
        {
            if (entry.Name is { } name && entry.DeletedDate is null && name.StartsWith(namePrefix, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }

        return new SecretListPage(names, string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken);
    }

    private static bool IsWrite(string operation) =>
        operation is "PutSecretValue" or "UpdateSecretVersionStage" or "DeleteSecret" or "CreateSecret";

    private static bool IsTransient(Exception exception) => exception is SecretsManagerException { IsTransient: true };

    private static DateTimeOffset? FromEpochSeconds(double? seconds) =>
        seconds is { } s ? DateTimeOffset.UnixEpoch.AddTicks((long)(s * TimeSpan.TicksPerSecond)) : null;

    private async Task<TResponse> SendAsync<TRequest, TResponse>(
        string operation,
        string secretId,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        Func<TResponse, bool>? isComplete = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        var call = new Call<TResponse>(operation, secretId, body, responseType, isComplete);
        return await _pipeline.ExecuteAsync(
            static (state, token) => state.Client.SendAttemptAsync(state.Call, token),
            (Client: this, Call: call),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One attempt of the retry pipeline: the request, sent once more after a clock skew and once more after expired
    /// credentials, each at most once.
    /// </summary>
    private async ValueTask<TResponse> SendAttemptAsync<TResponse>(Call<TResponse> call, CancellationToken cancellationToken)
    {
        var mayCorrectClock = true;
        var mayRefreshCredentials = true;
        while (true)
        {
            var outcome = await SendOnceAsync(call, mayCorrectClock, mayRefreshCredentials, cancellationToken).ConfigureAwait(false);
            switch (outcome.Resend)
            {
                case Resend.None:
                    return outcome.Value!;
                case Resend.CorrectedClock:
                    mayCorrectClock = false;
                    break;
                default:
                    mayRefreshCredentials = false;
                    break;
            }
        }
    }

    private async ValueTask<Outcome<TResponse>> SendOnceAsync<TResponse>(
        Call<TResponse> call, bool mayCorrectClock, bool mayRefreshCredentials, CancellationToken cancellationToken)
    {
        var (operation, secretId, body, responseType, isComplete) = call;
        if (IsWrite(operation))
        {
            // Every write request, retries and re-sends included, under the budget of a sweep (if one runs this call).
            await SecretsManagerWriteBudget.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(_options.AttemptTimeout, _timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var (credentials, keys) = await _credentials.ResolveAsync(_options.AttemptTimeout, attempt.Token, cancellationToken).ConfigureAwait(false);
            var signedAt = _clockCorrections.CorrectedNow(_endpoint.ServiceUrl, _timeProvider);
            using var message = await CreateSignedRequestAsync(operation, body, keys, signedAt, attempt.Token).ConfigureAwait(false);
            using var response = await _httpClient
                .SendAsync(message, HttpCompletionOption.ResponseHeadersRead, attempt.Token)
                .ConfigureAwait(false);
            var content = await ReadBodyAsync(response, operation, secretId, attempt.Token).ConfigureAwait(false);

            if (!response.IsSuccessStatusCode)
            {
                var failure = SecretsManagerErrorMapper.FromResponse(
                    operation, secretId, response.StatusCode, response.Headers, content.Span, out var serviceMessage);
                if (ClockSkew.IsSkew(failure.ErrorCode, serviceMessage, response.Headers, signedAt, out var serverTime))
                {
                    var correction = serverTime - _timeProvider.GetUtcNow();
                    _clockCorrections.Set(_endpoint.ServiceUrl, correction);
                    Log.ClockSkewCorrected(_logger, operation, _endpoint.ServiceUrl, correction, mayCorrectClock, failure.ErrorCode);
                    if (mayCorrectClock)
                    {
                        return new Outcome<TResponse>(default, Resend.CorrectedClock);
                    }
                }
                else if (failure.Kind == SecretsManagerErrorKind.Authentication &&
                         SecretsManagerErrorMapper.IsExpiredCredentials(failure.ErrorCode, serviceMessage) &&
                         mayRefreshCredentials &&
                         _credentials.Invalidate(credentials))
                {
                    Log.CredentialsExpired(_logger, operation, credentials.GetType().Name, failure.ErrorCode);
                    return new Outcome<TResponse>(default, Resend.FreshCredentials);
                }

                throw failure;
            }

            try
            {
                var value = JsonSerializer.Deserialize(content.Span, responseType) ??
                            throw new JsonException("The response body is the JSON literal null.");
                return isComplete is null || isComplete(value)
                    ? new Outcome<TResponse>(value, Resend.None)
                    : throw new JsonException("The response body lacks members every such response has.");
            }
            catch (JsonException ex)
            {
                // The SDKs retry a success status with an unreadable body: it was most likely damaged in transit
                // after the status line was sent.
                throw new SecretsManagerException(
                    $"Secrets Manager {operation} on '{secretId}' answered HTTP {(int)response.StatusCode} with a body that is not " +
                    "the expected JSON (cut off, not JSON, or the wrong shape).",
                    SecretsManagerErrorKind.UnreadableSuccessResponse,
                    errorCode: null,
                    response.StatusCode,
                    RequestId(response),
                    ex);
            }
        }
        // Any cancellation the caller did not ask for is a timeout: ours, HttpClient.Timeout, or one from a handler
        // added to the named HttpClient (a resilience handler, say).
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or TimeoutRejectedException &&
                                   !cancellationToken.IsCancellationRequested)
        {
            var detail = ex is OperationCanceledException
                ? $"after {_options.AttemptTimeout.TotalSeconds:0.###} s"
                : $"({ex.GetType().Name})";
            throw new SecretsManagerException(
                $"Secrets Manager {operation} on '{secretId}' timed out {detail}.", SecretsManagerErrorKind.Timeout, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new SecretsManagerException(
                $"Secrets Manager {operation} on '{secretId}' failed to connect or lost the connection: {ex.Message}",
                SecretsManagerErrorKind.Network,
                ex);
        }
        catch (Exception ex) when (ex is not SecretsManagerException and not OperationCanceledException)
        {
            throw new SecretsManagerException(
                $"Secrets Manager {operation} on '{secretId}' failed unexpectedly ({ex.GetType().Name}).",
                SecretsManagerErrorKind.Unknown,
                ex);
        }
    }

    private async Task<HttpRequestMessage> CreateSignedRequestAsync(
        string operation, byte[] body, ImmutableCredentials keys, DateTimeOffset signedAt, CancellationToken cancellationToken)
    {
        var target = "secretsmanager." + operation;

        var signingRequest = new AWSSigningRequest
        {
            HttpMethod = HttpMethod.Post,
            RequestUri = _endpoint.ServiceUrl,
            Content = body,
        };
        signingRequest.Headers["Content-Type"] = ContentType;
        signingRequest.Headers["X-Amz-Target"] = target;

        var signed = await AWSSigV4Signer.SignAsync(
            signingRequest,
            new AWSSigV4Parameters
            {
                Credentials = new FixedAwsCredentials(keys),
                Region = _endpoint.Region,
                Service = SecretsManagerEndpoint.SigningName,
                SignedAt = signedAt.UtcDateTime,
            },
            cancellationToken).ConfigureAwait(false);

        var message = new HttpRequestMessage(HttpMethod.Post, _endpoint.ServiceUrl)
        {
            Content = new ByteArrayContent(body),
        };
        message.Content.Headers.ContentType = ContentTypeHeader;
        message.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        foreach (var header in signed.Headers)
        {
            if (header.Key.Equals("Host", StringComparison.OrdinalIgnoreCase) ||
                header.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) ||
                header.Key.Equals("X-Amz-Target", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            message.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        message.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        return message;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(
        HttpResponseMessage response, string operation, string secretId, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            throw TooLarge(response, operation, secretId);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream((int)Math.Clamp(response.Content.Headers.ContentLength ?? 4096, 0, MaxResponseBytes));
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > MaxResponseBytes)
                    {
                        throw TooLarge(response, operation, secretId);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk, clearArray: true);
            }

            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
    }

    private static SecretsManagerException TooLarge(HttpResponseMessage response, string operation, string secretId) =>
        new(
            $"Secrets Manager {operation} on '{secretId}' returned a response larger than {MaxResponseBytes} bytes.",
            SecretsManagerErrorKind.InvalidResponse,
            errorCode: null,
            response.StatusCode,
            RequestId(response));

    private static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-RequestId", out var values) ? values.FirstOrDefault() : null;

    /// <summary>Why an attempt sends its request once more.</summary>
    private enum Resend
    {
        None,
        CorrectedClock,
        FreshCredentials,
    }

    /// <summary>One call: what is sent and how the answer is read.</summary>
    private sealed record Call<TResponse>(
        string Operation, string SecretId, byte[] Body, JsonTypeInfo<TResponse> ResponseType, Func<TResponse, bool>? IsComplete);

    /// <summary>The answer of one send: the value, or the reason to send again.</summary>
    private readonly record struct Outcome<TResponse>(TResponse? Value, Resend Resend);
}
