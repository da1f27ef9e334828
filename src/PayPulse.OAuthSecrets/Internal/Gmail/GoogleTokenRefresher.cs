using System.Net;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Flows;
using Google.Apis.Auth.OAuth2.Responses;
using Google.Apis.Http;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Timeout;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// Calls Google's token endpoint through one Google.Apis.Auth flow per process, built for the public iOS client (no
/// client secret) and with no data store, so that the flow itself never stores or deletes anything. Transient failures
/// are retried here (Google's own retry is off) with the library's clock; errors become typed exceptions.
/// </summary>
internal sealed class GoogleTokenRefresher : IDisposable
{
    private readonly GoogleClientIdProvider _clientIds;
    private readonly OAuthSecretsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Func<HttpMessageHandler> _primaryHandler;
    private readonly ResiliencePipeline _retry;
    private readonly SemaphoreSlim _flowGate = new(1, 1);
    private GoogleAuthorizationCodeFlow? _flow;

    public GoogleTokenRefresher(
        GoogleClientIdProvider clientIds,
        OAuthSecretsOptions options,
        TimeProvider timeProvider,
        ILogger logger,
        Func<HttpMessageHandler>? primaryHandler = null,
        Func<double>? jitter = null)
    {
        _clientIds = clientIds;
        _options = options;
        _timeProvider = timeProvider;
        _primaryHandler = primaryHandler ?? TokenEndpointHttpClientFactory.CreatePrimaryHandler;
        _retry = TransientRetry.Create(
            options,
            timeProvider,
            jitter ?? Random.Shared.NextDouble,
            static ex => ex is OAuthTokenRefreshException { IsTransient: true },
            (ex, nextAttempt, delay) =>
            {
                var failure = (OAuthTokenRefreshException)ex;
                Log.RetryingTokenRefresh(
                    logger, failure.UserId ?? string.Empty, failure.ErrorCode, (int?)failure.StatusCode, nextAttempt, options.MaxAttempts, delay);
            });
    }

    /// <summary>The shared Google flow, created on first use with the client id; no allocation once it exists.</summary>
    public ValueTask<GoogleAuthorizationCodeFlow> GetFlowAsync(CancellationToken cancellationToken) =>
        _flow is { } flow ? new ValueTask<GoogleAuthorizationCodeFlow>(flow) : new ValueTask<GoogleAuthorizationCodeFlow>(CreateFlowAsync(cancellationToken));

    private async Task<GoogleAuthorizationCodeFlow> CreateFlowAsync(CancellationToken cancellationToken)
    {
        var clientId = await _clientIds.GetAsync(cancellationToken).ConfigureAwait(false);
        await _flowGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_flow is { } created)
            {
                return created;
            }

            var newFlow = new GoogleAuthorizationCodeFlow(new TokenEndpointFlowInitializer(_options.TokenEndpoint)
            {
                // A public client: with a null secret the flow leaves client_secret out of the request.
                ClientSecrets = new ClientSecrets { ClientId = clientId, ClientSecret = null },
                Scopes = _options.DefaultScope.Split(' ', StringSplitOptions.RemoveEmptyEntries),
                // No data store: the flow would delete the user's token on any non-5xx error.
                DataStore = null,
                Clock = new TimeProviderClock(_timeProvider),
                HttpClientFactory = new TokenEndpointHttpClientFactory(_primaryHandler),
                DefaultExponentialBackOffPolicy = ExponentialBackOffPolicy.None,
            });

            // Each attempt has its own timeout (AttemptTimeout); HttpClient's 100 s default must not cut in first.
            newFlow.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
            return _flow = newFlow;
        }
        finally
        {
            _flowGate.Release();
        }
    }

    /// <summary>
    /// Exchanges the refresh token for a new access token.
    /// </summary>
    /// <exception cref="OAuthTokenRevokedException">Google answered <c>invalid_grant</c> (nothing deleted yet).</exception>
    /// <exception cref="OAuthTokenRefreshException">Any other failure, after retrying transient ones.</exception>
    public async Task<TokenResponse> RefreshAsync(string userId, string refreshToken, CancellationToken cancellationToken)
    {
        var flow = await GetFlowAsync(cancellationToken).ConfigureAwait(false);
        return await _retry.ExecuteAsync(
            async token => await AttemptAsync(flow, userId, refreshToken, token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _flow?.Dispose();
        _flowGate.Dispose();
    }

    private static bool IsTransientStatus(HttpStatusCode? status) => status is HttpStatusCode.RequestTimeout
        or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private async Task<TokenResponse> AttemptAsync(
        GoogleAuthorizationCodeFlow flow, string userId, string refreshToken, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.AttemptTimeout, _timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var response = await flow.RefreshTokenAsync(userId, refreshToken, attempt.Token).ConfigureAwait(false);
            return string.IsNullOrWhiteSpace(response?.AccessToken)
                ? throw InvalidResponse(userId, "a success response without an access token", null)
                : response;
        }
        catch (NullReferenceException ex)
        {
            // Google.Apis.Auth fails this way on a response body it cannot read (an empty 200, say).
            throw InvalidResponse(userId, "a response with no body", ex);
        }
        catch (TokenResponseException ex) when (string.Equals(ex.Error?.Error, "invalid_grant", StringComparison.Ordinal))
        {
            throw new OAuthTokenRevokedException(userId, secretDeleted: false, ex);
        }
        catch (TokenResponseException ex)
        {
            var code = ex.Error?.Error;
            var transient = IsTransientStatus(ex.StatusCode);
            var description = ex.Error?.ErrorDescription;
            throw new OAuthTokenRefreshException(
                $"Google's token endpoint refused to refresh the token of user '{userId}': {code ?? "no error code"}" +
                $"{(ex.StatusCode is { } s ? $" (HTTP {(int)s})" : string.Empty)}" +
                $"{(string.IsNullOrWhiteSpace(description) ? string.Empty : ": " + Truncate(description))}.",
                userId,
                code,
                ex.StatusCode,
                transient,
                ex);
        }
        // Any cancellation the caller did not ask for is a timeout: ours, HttpClient.Timeout, or one from a handler
        // added to the named HttpClient (a resilience handler, say).
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or TimeoutRejectedException &&
                                   !cancellationToken.IsCancellationRequested)
        {
            var detail = ex is OperationCanceledException
                ? $"within {_options.AttemptTimeout.TotalSeconds:0.###} s"
                : $"in time ({ex.GetType().Name})";
            throw new OAuthTokenRefreshException(
                $"Google's token endpoint did not answer {detail} (user '{userId}').", userId, "timeout", isTransient: true, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            throw new OAuthTokenRefreshException(
                $"Google's token endpoint could not be reached (user '{userId}'): {ex.Message}", userId, "network_error", isTransient: true, ex);
        }
        catch (Exception ex) when (ex is not OAuthSecretsException and not OperationCanceledException)
        {
            throw new OAuthTokenRefreshException(
                $"Refreshing the token of user '{userId}' failed unexpectedly ({ex.GetType().Name}).", userId, "unexpected_error", isTransient: false, ex);
        }
    }

    private static OAuthTokenRefreshException InvalidResponse(string userId, string what, Exception? inner) =>
        new($"Google's token endpoint answered the refresh for user '{userId}' with {what}.", userId, "invalid_response", isTransient: false, inner);

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
