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
            // A Retry-After longer than MaxRetryDelay is not cut short (the answer would likely be the same): no retry.
            ex => ex is OAuthTokenRefreshException { IsTransient: true } failure && !(failure.RetryAfter > options.MaxRetryDelay),
            (ex, nextAttempt, delay) =>
            {
                var failure = (OAuthTokenRefreshException)ex;
                Log.RetryingTokenRefresh(
                    logger, failure.UserId ?? string.Empty, failure.ErrorCode, (int?)failure.StatusCode, nextAttempt, options.MaxAttempts, delay);
            },
            delayOverride: static ex => (ex as OAuthTokenRefreshException)?.RetryAfter);
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
        var observed = TokenEndpointAttempt.Begin();
        try
        {
            var response = await flow.RefreshTokenAsync(userId, refreshToken, attempt.Token).ConfigureAwait(false);
            return response is null
                ? throw InvalidResponse(userId, "a success response without an access token", null)
                : TokenResponseRules.Problem(response) is { } problem
                    ? throw InvalidResponse(userId, problem, null)
                    : response;
        }
        catch (NullReferenceException ex)
        {
            // Google.Apis.Auth fails this way on a response body it cannot read (an empty 200, say).
            throw InvalidResponse(userId, "a response with no body", ex);
        }
        catch (TokenEndpointResponseException ex)
        {
            throw new OAuthTokenRefreshException(
                $"Google's token endpoint answered the refresh for user '{userId}' with {ex.Message}.", userId, ex.ErrorCode, ex.StatusCode, isTransient: false, ex);
        }
        catch (TokenResponseException ex) when (string.Equals(ex.Error?.Error, "invalid_grant", StringComparison.Ordinal))
        {
            throw new OAuthTokenRevokedException(userId, secretDeleted: false, ex);
        }
        catch (TokenResponseException ex)
        {
            throw Refused(ex, userId, refreshToken, observed.RetryAfterDelay(_timeProvider));
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

    /// <summary>
    /// An error answer as a typed exception. Google's code is kept when it looks like one; anything else (the English
    /// sentence Google.Apis.Auth puts there for a body that is not JSON, say) is <c>invalid_response</c>. Texts from the
    /// answer are repeated only when safe to quote, and the original exception is kept only when all of them are.
    /// </summary>
    private OAuthTokenRefreshException Refused(TokenResponseException ex, string userId, string refreshToken, TimeSpan? retryAfter)
    {
        var code = ex.Error?.Error;
        var description = ex.Error?.ErrorDescription;
        var status = ex.StatusCode is { } s ? $" (HTTP {(int)s})" : string.Empty;
        var codeIsSafe = TokenResponseRules.IsSafeToQuote(code, refreshToken);
        var descriptionIsSafe = string.IsNullOrWhiteSpace(description) || TokenResponseRules.IsSafeToQuote(description, refreshToken);
        var uriIsSafe = string.IsNullOrEmpty(ex.Error?.ErrorUri) || TokenResponseRules.IsSafeToQuote(ex.Error.ErrorUri, refreshToken);
        var quoted = string.IsNullOrWhiteSpace(description) ? string.Empty
            : descriptionIsSafe ? ": " + description
            : " (its description is not repeated)";
        var wait = retryAfter is { } after
            ? after > _options.MaxRetryDelay
                ? $"; it asked to retry after {after.TotalSeconds:0.###} s, longer than MaxRetryDelay ({_options.MaxRetryDelay.TotalSeconds:0.###} s), so it was not retried"
                : $"; it asked to retry after {after.TotalSeconds:0.###} s"
            : string.Empty;
        string message;
        string errorCode;
        if (TokenResponseRules.IsErrorCode(code) && !code!.Contains(refreshToken, StringComparison.Ordinal))
        {
            errorCode = code!;
            message = $"Google's token endpoint refused to refresh the token of user '{userId}': {code}{status}{quoted}{wait}.";
        }
        else
        {
            errorCode = "invalid_response";
            var what = code is null ? "no error code" : codeIsSafe ? $"\"{code}\"" : "an error that is not an OAuth error code";
            message = $"Google's token endpoint answered the refresh for user '{userId}' with {what}{status}{quoted}{wait}.";
        }

        return new OAuthTokenRefreshException(
            message,
            userId,
            errorCode,
            ex.StatusCode,
            IsTransientStatus(ex.StatusCode),
            (code is null || codeIsSafe) && descriptionIsSafe && uriIsSafe ? ex : null)
        {
            RetryAfter = retryAfter,
        };
    }

    private static OAuthTokenRefreshException InvalidResponse(string userId, string what, Exception? inner) =>
        new($"Google's token endpoint answered the refresh for user '{userId}' with {what}.", userId, "invalid_response", isTransient: false, inner);
}
