using Google.Apis.Auth.OAuth2.Responses;
using Microsoft.Extensions.Logging;

namespace PayPulse.OAuthSecrets.Internal.Gmail;

/// <summary>
/// The refresh policy of Gmail credentials. One refresh per user and refresh token at a time in this process
/// (single flight in the user's <see cref="UserTokenState"/>): concurrent callers share it, and a caller that read the
/// refresh token just refreshed gets that refresh's result instead of presenting a consumed token again. The refresh
/// runs under the library's own timeout, so one caller's cancellation stops only that caller's wait. Google's new
/// tokens are written back conditionally on the version the refresh started from (see
/// <see cref="SecretsManagerOAuthTokenStore.WriteBackAsync"/>); once Google has answered, the write-back completes under
/// its own bound even if the callers stop waiting, and a write-back that fails still hands out the tokens. On
/// <c>invalid_grant</c> the secret is deleted only if it still holds the refused refresh token.
/// </summary>
internal sealed class UserRefreshCoordinator(
    SecretsManagerOAuthTokenStore store,
    GoogleTokenRefresher refresher,
    OAuthSecretsOptions options,
    TimeProvider timeProvider,
    ILogger logger,
    OAuthSecretsTelemetry? telemetry = null)
{
    // A refresh whose grant was replaced by an expiring one refreshes that one too, once; a stale caller follows
    // refresh tokens this process rotated away a few steps at most.
    private const int MaxFollowedGrants = 1;
    private const int MaxFollowedRotations = 4;

    private readonly OAuthSecretsTelemetry _telemetry = telemetry ?? OAuthSecretsTelemetry.ActivitiesOnly;

    /// <summary>Refreshes <paramref name="basis"/> (a stored bundle that is expiring), or joins the refresh of its refresh token.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="basis">The stored bundle, with its version, that the refresh starts from.</param>
    /// <param name="cancellationToken">Stops this caller's wait only.</param>
    /// <exception cref="ArgumentException">The user id is invalid: thrown before any log, activity or metric.</exception>
    public Task<OAuthTokenBundle> RefreshAsync(string userId, StoredBundle basis, CancellationToken cancellationToken) =>
        RefreshAsync(userId, basis, deleteRevoked: true, cancellationToken);

    /// <summary>
    /// <see cref="RefreshAsync(string, StoredBundle, CancellationToken)"/>, choosing whether a refresh this call starts
    /// deletes the secret on <c>invalid_grant</c> (a refresh it joins keeps its starter's choice). Without the delete,
    /// the failure is <see cref="OAuthTokenRevokedException"/> with <see cref="OAuthTokenRevokedException.SecretDeleted"/> false.
    /// </summary>
    public Task<OAuthTokenBundle> RefreshAsync(string userId, StoredBundle basis, bool deleteRevoked, CancellationToken cancellationToken)
    {
        SecretNames.ValidateUserId(userId);
        return Join(userId, basis, depth: 0, deleteRevoked: deleteRevoked).WaitAsync(cancellationToken);
    }

    /// <summary>
    /// A credential's own refresh (before expiry, on expiry, or after a 401 from Gmail): uses tokens already refreshed
    /// in this process or elsewhere (another access token than <paramref name="rejectedAccessToken"/>, not expiring),
    /// else refreshes what is stored.
    /// </summary>
    /// <exception cref="ArgumentException">The user id is invalid: thrown before any log, activity or metric.</exception>
    public async Task<OAuthTokenBundle> RefreshForCredentialAsync(string userId, string? rejectedAccessToken, CancellationToken cancellationToken)
    {
        SecretNames.ValidateUserId(userId);
        if (store.States.Known(userId) is { } known && Replaces(known.Bundle, rejectedAccessToken))
        {
            return AlreadyRefreshed(userId, known.Bundle);
        }

        var stored = await store.ReadAsync(userId, cancellationToken).ConfigureAwait(false)
                     ?? throw store.NotFound(userId);
        if (Replaces(stored.Bundle, rejectedAccessToken))
        {
            return AlreadyRefreshed(userId, stored.Bundle);
        }

        return await RefreshAsync(userId, stored, cancellationToken).ConfigureAwait(false);
    }

    private OAuthTokenBundle AlreadyRefreshed(string userId, OAuthTokenBundle bundle)
    {
        Log.RefreshedElsewhere(logger, userId);
        _telemetry.StartRefresh(userId).Succeeded(calledGoogle: false);
        return bundle;
    }

    private bool Replaces(OAuthTokenBundle bundle, string? rejectedAccessToken) =>
        !string.Equals(bundle.AccessToken, rejectedAccessToken, StringComparison.Ordinal) && IsUsable(bundle);

    private bool IsUsable(OAuthTokenBundle bundle) => !bundle.IsExpired(timeProvider, options.RefreshBeforeExpiry);

    private Task<OAuthTokenBundle> Join(string userId, StoredBundle basis, int depth, string? enclosing = null, bool deleteRevoked = true)
    {
        if (basis.RefreshToken is not { } refreshToken)
        {
            var missing = new OAuthTokenRefreshException(
                $"User '{userId}' has no stored refresh token, so their access token cannot be refreshed: they must connect Gmail again.",
                userId,
                "missing_refresh_token",
                isTransient: false);
            Log.TokenRefreshFailed(logger, userId, missing.ErrorCode, null, missing);
            _telemetry.StartRefresh(userId).Failed(missing);
            return Task.FromException<OAuthTokenBundle>(missing);
        }

        if (string.Equals(refreshToken, enclosing, StringComparison.Ordinal))
        {
            // A refresh that follows to a grant must never wait for itself.
            return Task.FromResult(basis.Bundle);
        }

        var state = store.States.For(userId);
        var flight = state.JoinOrStart(
            refreshToken,
            IsUsable,
            () => new RefreshFlight(refreshToken, Observed(RunAsync(userId, state, basis, depth, deleteRevoked))),
            out var successor);
        if (flight is not null)
        {
            return flight.Task;
        }

        // This process rotated that refresh token away: it is consumed and is never presented again.
        return IsUsable(successor!) ? Task.FromResult(successor!) : FollowRotationAsync(userId, basis, successor!, depth, enclosing, deleteRevoked);
    }

    /// <summary>
    /// Observes a shared task's failure: every caller may have stopped waiting (cancelled, or past the timeout), and
    /// the failure is already logged and counted where it happened.
    /// </summary>
    private static Task<T> Observed<T>(Task<T> task)
    {
        _ = task.ContinueWith(
            static t => _ = t.Exception,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    /// <summary>
    /// A caller's basis holds a refresh token this process rotated away (it read the secret before the write-back
    /// landed): continue from what is stored now or, if the write-back of the successor never landed, from the successor.
    /// </summary>
    private async Task<OAuthTokenBundle> FollowRotationAsync(
        string userId, StoredBundle stale, OAuthTokenBundle successor, int depth, string? enclosing, bool deleteRevoked)
    {
        if (depth >= MaxFollowedRotations)
        {
            return successor;
        }

        var fresh = await store.ReadAsync(userId, CancellationToken.None).ConfigureAwait(false)
                    ?? throw store.NotFound(userId);
        if (IsUsable(fresh.Bundle) && !string.Equals(fresh.RefreshToken, stale.RefreshToken, StringComparison.Ordinal))
        {
            return fresh.Bundle;
        }

        var basis = string.Equals(fresh.RefreshToken, stale.RefreshToken, StringComparison.Ordinal)
            ? new StoredBundle(fresh.Document.With(fresh.Bundle with { AccessToken = successor.AccessToken, RefreshToken = successor.RefreshToken, ExpiresAt = successor.ExpiresAt }), fresh.VersionId)
            : fresh;
        return await Join(userId, basis, depth + 1, enclosing, deleteRevoked).ConfigureAwait(false);
    }

    private async Task<OAuthTokenBundle> RunAsync(string userId, UserTokenState state, StoredBundle basis, int depth, bool deleteRevoked)
    {
        // Let the caller that started the flight register it before the work starts.
        await Task.Yield();
        var operation = _telemetry.StartRefresh(userId);
        try
        {
            var bundle = await RefreshCoreAsync(userId, state, basis, depth, deleteRevoked).ConfigureAwait(false);
            operation.Succeeded(calledGoogle: true);
            return bundle;
        }
        catch (Exception ex)
        {
            operation.Failed(ex);
            throw;
        }
    }

    private async Task<OAuthTokenBundle> RefreshCoreAsync(string userId, UserTokenState state, StoredBundle basis, int depth, bool deleteRevoked)
    {
        using var timeout = new CancellationTokenSource(options.RefreshTimeout, timeProvider);
        TokenResponse response;
        try
        {
            Log.RefreshingToken(logger, userId);
            response = await refresher.RefreshAsync(userId, basis.RefreshToken!, timeout.Token).ConfigureAwait(false);
        }
        catch (OAuthTokenRevokedException revoked) when (!deleteRevoked)
        {
            Log.RevokedGrantKept(logger, userId);
            throw new OAuthTokenRevokedException(userId, secretDeleted: false, revoked.InnerException);
        }
        catch (OAuthTokenRevokedException revoked)
        {
            return await AfterRevocationAsync(userId, basis, revoked, depth, timeout.Token).ConfigureAwait(false);
        }
        catch (OAuthTokenRefreshException failed)
        {
            Log.TokenRefreshFailed(logger, userId, failed.ErrorCode, (int?)failed.StatusCode, failed);
            throw;
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
        {
            throw TimedOut(userId, ex);
        }

        var issuedAt = timeProvider.GetUtcNow();
        var grant = ToGrant(response, basis.RefreshToken!);
        var unwritten = basis.Bundle.WithRefreshedTokens(grant, issuedAt);
        if (grant.RefreshToken is not null)
        {
            // From Google's answer on, the presented refresh token is consumed.
            state.RecordRotation(basis.RefreshToken!, unwritten, timeProvider.GetTimestamp());
        }

        // Google's tokens exist now: the write-back runs to its end under its own bound, whoever still waits for it.
        var writeBack = Observed(WriteBackAsync(userId, basis, grant, issuedAt));
        WriteBackResult? written;
        try
        {
            written = await writeBack.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Log.WriteBackContinuing(logger, userId);
            written = null;
        }

        if (state.IsEvicted)
        {
            // Deleted in this process while refreshing: never served.
            throw store.NotFound(userId);
        }

        var bundle = written switch
        {
            null => unwritten,
            { Outcome: WriteBackOutcome.Superseded, Stored: var other } when !IsUsable(other.Bundle) && depth < MaxFollowedGrants =>
                await Join(userId, other, depth + 1, basis.RefreshToken).ConfigureAwait(false),
            { Stored: var stored } => stored.Bundle,
        };
        Log.TokenRefreshed(logger, userId, bundle.ExpiresAt, grant.RefreshToken is not null);
        return bundle;
    }

    /// <summary>The conditional write-back of a refresh, under its own bound. Null when it failed (logged and counted).</summary>
    private async Task<WriteBackResult?> WriteBackAsync(string userId, StoredBundle basis, OAuthTokenGrant grant, DateTimeOffset issuedAt)
    {
        using var bound = new CancellationTokenSource(options.RefreshTimeout, timeProvider);
        try
        {
            var result = await store.WriteBackAsync(userId, basis, grant, issuedAt, bound.Token).ConfigureAwait(false);
            _telemetry.CountWriteBack(result.Outcome, null);
            return result;
        }
        catch (OAuthTokenNotFoundException ex)
        {
            // The grant is no longer stored (deleted meanwhile): its tokens are not handed out.
            _telemetry.CountWriteBack(null, ex);
            throw;
        }
        catch (Exception ex) when (ex is SecretsManagerException or OAuthTokenConflictException or OAuthSecretFormatException or OperationCanceledException)
        {
            // The new tokens are valid: hand them out rather than waste the refresh.
            Log.WriteBackFailed(logger, userId, ex);
            _telemetry.CountWriteBack(null, ex);
            return null;
        }
    }

    private async Task<OAuthTokenBundle> AfterRevocationAsync(
        string userId, StoredBundle basis, OAuthTokenRevokedException revoked, int depth, CancellationToken cancellationToken)
    {
        StoredBundle? replacement;
        try
        {
            // The user may have reconnected while Google was answering: only the refused grant is deleted.
            replacement = await store.DeleteIfHoldsAsync(userId, basis.RefreshToken!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SecretsManagerException or OAuthSecretFormatException or OperationCanceledException)
        {
            Log.DeleteAfterRevocationFailed(logger, userId, ex);
            throw new OAuthTokenRevokedException(userId, secretDeleted: false, revoked.InnerException);
        }

        if (replacement is null)
        {
            Log.SecretDeletedAfterRevocation(logger, userId);
            throw new OAuthTokenRevokedException(userId, secretDeleted: true, revoked.InnerException);
        }

        // Another grant is stored now: the caller gets it, refreshed if it must be.
        Log.RevokedGrantAlreadyReplaced(logger, userId);
        if (IsUsable(replacement.Bundle))
        {
            return replacement.Bundle;
        }

        if (depth < MaxFollowedGrants && replacement.RefreshToken is not null)
        {
            return await Join(userId, replacement, depth + 1, basis.RefreshToken).ConfigureAwait(false);
        }

        throw new OAuthTokenRevokedException(userId, secretDeleted: false, revoked.InnerException);
    }

    private OAuthTokenRefreshException TimedOut(string userId, OperationCanceledException ex)
    {
        // Never an OperationCanceledException: Google.Apis.Auth would take it for its own timeout and retry.
        var failure = new OAuthTokenRefreshException(
            $"Refreshing the token of user '{userId}' took longer than {options.RefreshTimeout}.", userId, "timeout", isTransient: true, ex);
        Log.TokenRefreshFailed(logger, userId, failure.ErrorCode, null, failure);
        return failure;
    }

    private static OAuthTokenGrant ToGrant(TokenResponse response, string presentedRefreshToken)
    {
        var rotated = response.RefreshToken is { Length: > 0 } newRefreshToken &&
                      !string.Equals(newRefreshToken, presentedRefreshToken, StringComparison.Ordinal);
        return new OAuthTokenGrant(
            response.AccessToken,
            rotated ? response.RefreshToken : null,
            // Google issues hour-long tokens; anything outside (0, 1 day] is treated as an hour.
            TimeSpan.FromSeconds(response.ExpiresInSeconds is { } seconds and > 0 and <= 86_400 ? seconds : 3600),
            response.Scope);
    }
}
