using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// One token refresh per user at a time in this process: concurrent callers share it. The shared refresh runs under the
/// library's own timeout, so one caller's cancellation stops only that caller's wait. It refreshes with Google, writes
/// the new tokens back (keeping scope, Google account and unknown keys), and on <c>invalid_grant</c> deletes the secret.
/// Coordination covers this process only; other processes may refresh the same user in parallel (the last write wins,
/// and both tokens are valid).
/// </summary>
internal sealed class UserRefreshCoordinator(
    IOAuthTokenStore store,
    GoogleTokenRefresher refresher,
    OAuthSecretsOptions options,
    TimeProvider timeProvider,
    ILogger logger,
    OAuthSecretsTelemetry? telemetry = null)
{
    private const int MaxCompleted = 1024;

    private readonly OAuthSecretsTelemetry _telemetry = telemetry ?? OAuthSecretsTelemetry.ActivitiesOnly;

    private readonly ConcurrentDictionary<string, Lazy<Task<OAuthTokenBundle>>> _inFlight = new(StringComparer.Ordinal);

    // The last refresh completed for each user, and the access token it replaced: a caller that read the old bundle
    // before that refresh finished gets its result instead of refreshing again with a possibly rotated refresh token.
    private readonly ConcurrentDictionary<string, (string Replaced, OAuthTokenBundle Result)> _completed = new(StringComparer.Ordinal);

    /// <summary>Gets the number of refreshes in flight (for tests).</summary>
    internal int InFlightCount => _inFlight.Count;

    /// <summary>
    /// Refreshes the user's tokens, or joins the refresh already running for that user.
    /// </summary>
    /// <param name="userId">The user.</param>
    /// <param name="known">
    /// The bundle just read from the store, or <see langword="null"/> to read it first; in that case, tokens that were
    /// already refreshed elsewhere (a different access token than <paramref name="rejectedAccessToken"/>, not expiring)
    /// are used without calling Google.
    /// </param>
    /// <param name="rejectedAccessToken">The access token the caller holds and wants replaced, if any.</param>
    /// <param name="cancellationToken">Stops this caller's wait only.</param>
    public Task<OAuthTokenBundle> RefreshAsync(
        string userId, OAuthTokenBundle? known, string? rejectedAccessToken, CancellationToken cancellationToken)
    {
        var replacing = known?.AccessToken ?? rejectedAccessToken;
        if (replacing is not null &&
            _completed.TryGetValue(userId, out var completed) &&
            string.Equals(completed.Replaced, replacing, StringComparison.Ordinal) &&
            !completed.Result.IsExpired(timeProvider, options.RefreshBeforeExpiry))
        {
            return Task.FromResult(completed.Result);
        }

        while (true)
        {
            if (_inFlight.TryGetValue(userId, out var running))
            {
                return running.Value.WaitAsync(cancellationToken);
            }

            Lazy<Task<OAuthTokenBundle>>? mine = null;
            mine = new Lazy<Task<OAuthTokenBundle>>(() => RunAsync(userId, known, rejectedAccessToken, mine!));
            if (_inFlight.TryAdd(userId, mine))
            {
                return mine.Value.WaitAsync(cancellationToken);
            }
        }
    }

    private async Task<OAuthTokenBundle> RunAsync(
        string userId, OAuthTokenBundle? known, string? rejectedAccessToken, Lazy<Task<OAuthTokenBundle>> self)
    {
        // Let the caller that created the entry return its task before the work starts.
        await Task.Yield();
        var operation = _telemetry.StartRefresh(userId);
        try
        {
            (OAuthTokenBundle Bundle, bool CalledGoogle) result;
            try
            {
                result = await RefreshWithTimeoutAsync(userId, known, rejectedAccessToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                operation.Failed(ex);
                throw;
            }

            operation.Succeeded(result.CalledGoogle);
            return result.Bundle;
        }
        finally
        {
            _inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<OAuthTokenBundle>>>(userId, self));
        }
    }

    private async Task<(OAuthTokenBundle Bundle, bool CalledGoogle)> RefreshWithTimeoutAsync(
        string userId, OAuthTokenBundle? known, string? rejectedAccessToken)
    {
        using var timeout = new CancellationTokenSource(options.RefreshTimeout, timeProvider);
        try
        {
            return await RefreshCoreAsync(userId, known, rejectedAccessToken, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            // Never an OperationCanceledException: Google.Apis.Auth would take it for its own timeout and retry.
            var failure = new OAuthTokenRefreshException(
                $"Refreshing the token of user '{userId}' took longer than {options.RefreshTimeout}.", userId, "timeout", isTransient: true, ex);
            Log.TokenRefreshFailed(logger, userId, failure.ErrorCode, null, failure);
            throw failure;
        }
    }

    private async Task<(OAuthTokenBundle Bundle, bool CalledGoogle)> RefreshCoreAsync(
        string userId, OAuthTokenBundle? known, string? rejectedAccessToken, CancellationToken cancellationToken)
    {
        var current = known;
        if (current is null)
        {
            current = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false)
                      ?? throw new OAuthTokenNotFoundException(userId, SecretNames.ForUser(options.SecretNamePrefix, userId), null);
            if (!string.Equals(current.AccessToken, rejectedAccessToken, StringComparison.Ordinal) &&
                !current.IsExpired(timeProvider, options.RefreshBeforeExpiry))
            {
                Log.RefreshedElsewhere(logger, userId);
                return (current, false);
            }
        }

        if (current.RefreshToken is null)
        {
            var missing = new OAuthTokenRefreshException(
                $"User '{userId}' has no stored refresh token, so their access token cannot be refreshed: they must connect Gmail again.",
                userId,
                "missing_refresh_token",
                isTransient: false);
            Log.TokenRefreshFailed(logger, userId, missing.ErrorCode, null, missing);
            throw missing;
        }

        Log.RefreshingToken(logger, userId);
        Google.Apis.Auth.OAuth2.Responses.TokenResponse response;
        try
        {
            response = await refresher.RefreshAsync(userId, current.RefreshToken, cancellationToken).ConfigureAwait(false);
        }
        catch (OAuthTokenRevokedException revoked)
        {
            _completed.TryRemove(userId, out _);
            throw await DeleteAfterRevocationAsync(userId, current.RefreshToken, revoked, cancellationToken).ConfigureAwait(false);
        }
        catch (OAuthTokenRefreshException failed)
        {
            Log.TokenRefreshFailed(logger, userId, failed.ErrorCode, (int?)failed.StatusCode, failed);
            throw;
        }

        var rotated = response.RefreshToken is { Length: > 0 } newRefreshToken &&
                      !string.Equals(newRefreshToken, current.RefreshToken, StringComparison.Ordinal);
        var grant = new OAuthTokenGrant(
            response.AccessToken,
            rotated ? response.RefreshToken : null,
            // Google issues hour-long tokens; anything outside (0, 1 day] is treated as an hour.
            TimeSpan.FromSeconds(response.ExpiresInSeconds is { } seconds and > 0 and <= 86_400 ? seconds : 3600),
            response.Scope);

        OAuthTokenBundle updated;
        try
        {
            updated = await store.UpdateAsync(userId, grant, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsManagerException ex)
        {
            // The new tokens are valid: hand them out rather than waste the refresh.
            Log.WriteBackFailed(logger, userId, ex);
            updated = current.WithRefreshedTokens(grant, timeProvider.GetUtcNow());
        }

        Log.TokenRefreshed(logger, userId, updated.ExpiresAt, rotated);
        if (_completed.Count >= MaxCompleted)
        {
            _completed.Clear();
        }

        _completed[userId] = (current.AccessToken, updated);
        return (updated, true);
    }

    private async Task<OAuthTokenRevokedException> DeleteAfterRevocationAsync(
        string userId, string rejectedRefreshToken, OAuthTokenRevokedException revoked, CancellationToken cancellationToken)
    {
        try
        {
            // The user may have reconnected while Google was answering: only the refused grant is deleted.
            var stored = await store.GetAsync(userId, cancellationToken).ConfigureAwait(false);
            if (stored is not null && !string.Equals(stored.RefreshToken, rejectedRefreshToken, StringComparison.Ordinal))
            {
                Log.RevokedGrantAlreadyReplaced(logger, userId);
                return new OAuthTokenRevokedException(userId, secretDeleted: false, revoked.InnerException);
            }

            await store.DeleteAsync(userId, cancellationToken).ConfigureAwait(false);
            Log.SecretDeletedAfterRevocation(logger, userId);
            return new OAuthTokenRevokedException(userId, secretDeleted: true, revoked.InnerException);
        }
        catch (Exception ex) when (ex is SecretsManagerException or OAuthSecretFormatException or OperationCanceledException)
        {
            Log.DeleteAfterRevocationFailed(logger, userId, ex);
            return new OAuthTokenRevokedException(userId, secretDeleted: false, revoked.InnerException);
        }
    }
}
