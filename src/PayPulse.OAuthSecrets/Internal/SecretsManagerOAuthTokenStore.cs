using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// <see cref="IOAuthTokenStore"/> over Secrets Manager (or the in-process store): one secret per user, in the JSON
/// format shared with the Python Lambdas, merged on every write.
/// </summary>
internal sealed class SecretsManagerOAuthTokenStore : IOAuthTokenStore
{
    private static readonly TimeSpan FirstRecreateDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRecreateDelay = TimeSpan.FromSeconds(4);

    private readonly ISecretsManagerClient _client;
    private readonly OAuthSecretsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly RecentBundleCache _recent;
    private readonly OAuthSecretsTelemetry _telemetry;

    public SecretsManagerOAuthTokenStore(
        ISecretsManagerClient client,
        IOptions<OAuthSecretsOptions> options,
        TimeProvider? timeProvider = null,
        ILogger<SecretsManagerOAuthTokenStore>? logger = null,
        OAuthSecretsTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _recent = new RecentBundleCache(_timeProvider, _options.RecentReadReuseWindow);
        _telemetry = telemetry ?? OAuthSecretsTelemetry.ActivitiesOnly;
    }

    public Task<OAuthTokenBundle?> GetAsync(string userId, CancellationToken cancellationToken = default) =>
        TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Get,
            userId,
            this,
            static (store, userId, ct) => store.GetCoreAsync(userId, ct),
            cancellationToken);

    public Task<OAuthTokenStoreResult> StoreAsync(
        string userId, OAuthTokenGrant grant, GoogleUserInfo? googleUser = null, CancellationToken cancellationToken = default) =>
        TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Store,
            userId,
            (Store: this, Grant: grant, GoogleUser: googleUser),
            static (state, userId, ct) => state.Store.StoreCoreAsync(userId, state.Grant, state.GoogleUser, ct),
            cancellationToken);

    public Task<OAuthTokenBundle> UpdateAsync(string userId, OAuthTokenGrant grant, CancellationToken cancellationToken = default) =>
        TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Update,
            userId,
            (Store: this, Grant: grant),
            static (state, userId, ct) => state.Store.UpdateCoreAsync(userId, state.Grant, ct),
            cancellationToken);

    public Task DeleteAsync(string userId, CancellationToken cancellationToken = default) =>
        TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Delete,
            userId,
            this,
            static async (store, userId, ct) =>
            {
                await store.DeleteCoreAsync(userId, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    /// <summary>Runs one store call under its activity and duration measurement.</summary>
    private async Task<T> TracedAsync<TState, T>(
        OAuthSecretsTelemetry.StoreCall call,
        string userId,
        TState state,
        Func<TState, string, CancellationToken, Task<T>> core,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var operation = _telemetry.StartStoreOperation(call, userId, _timeProvider);
        T result;
        try
        {
            result = await core(state, userId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            operation.Failed(ex);
            throw;
        }

        operation.Succeeded();
        return result;
    }

    private async Task<OAuthTokenBundle?> GetCoreAsync(string userId, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        var document = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        _recent.Set(userId, document);
        Log.TokensRead(_logger, userId, name, document is not null);
        return document?.Bundle;
    }

    private async Task<OAuthTokenStoreResult> StoreCoreAsync(
        string userId, OAuthTokenGrant grant, GoogleUserInfo? googleUser, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        ValidateGrant(grant);
        ValidateGoogleUser(googleUser);

        // One ClientRequestToken for the whole logical write. If a concurrent first connect creates the secret
        // between our read and our create, read it again and merge into what it wrote (once).
        var token = SecretsManagerLimits.NewClientRequestToken();
        TokenBundleDocument? existing = null;
        OAuthTokenBundle bundle = null!;
        var accountSwitched = false;
        var created = false;
        for (var attempt = 0; attempt < 2; attempt++)
        {
            existing = attempt == 0
                ? await ReadRecentAsync(userId, name, cancellationToken).ConfigureAwait(false)
                : await ReadAsync(name, cancellationToken).ConfigureAwait(false);
            (bundle, accountSwitched) = Merge(existing?.Bundle, grant, googleUser);
            var document = existing?.With(bundle) ?? TokenBundleDocument.Create(bundle);
            var outcome = await UpsertAsync(name, document.ToJson(), token, secretLikelyExists: existing is not null, allowLostRace: attempt == 0, cancellationToken)
                .ConfigureAwait(false);
            if (outcome != UpsertOutcome.LostRace)
            {
                created = outcome == UpsertOutcome.Created;
                break;
            }
        }

        // Only what this process read is reused; after a write the next operation reads again.
        _recent.Remove(userId);
        var previous = existing?.Bundle;

        if (created)
        {
            Log.SecretCreated(_logger, userId, name);
        }
        else
        {
            Log.TokensStored(_logger, userId, name);
        }

        if (accountSwitched)
        {
            Log.GoogleAccountSwitched(_logger, userId, name);
        }

        return new OAuthTokenStoreResult
        {
            Bundle = bundle,
            Created = created,
            AccountSwitched = accountSwitched,
            PreviousGoogleEmail = accountSwitched ? previous?.GoogleUser?.Email : null,
        };
    }

    private async Task<OAuthTokenBundle> UpdateCoreAsync(string userId, OAuthTokenGrant grant, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        ValidateGrant(grant);

        var existing = await ReadRecentAsync(userId, name, cancellationToken).ConfigureAwait(false)
                       ?? throw new OAuthTokenNotFoundException(userId, name, null);

        var bundle = existing.Bundle.WithRefreshedTokens(grant, _timeProvider.GetUtcNow());
        var document = existing.With(bundle);

        try
        {
            await _client.PutSecretValueAsync(name, document.ToJson(), SecretsManagerLimits.NewClientRequestToken(), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (SecretsManagerException ex) when (IsGone(ex))
        {
            _recent.Remove(userId);
            throw new OAuthTokenNotFoundException(userId, name, ex);
        }

        _recent.Remove(userId);
        Log.TokensUpdated(_logger, userId, name);
        return bundle;
    }

    private async Task DeleteCoreAsync(string userId, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        try
        {
            await _client.DeleteSecretAsync(name, forceDeleteWithoutRecovery: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.NotFound)
        {
            // AWS answers a forced delete of a missing secret with 200; some emulators and proxies answer not found.
        }

        _recent.Remove(userId);
        Log.SecretDeleted(_logger, userId, name);
    }

    private static bool IsGone(SecretsManagerException ex) =>
        ex.Kind is SecretsManagerErrorKind.NotFound or SecretsManagerErrorKind.ScheduledForDeletion;

    private static void ValidateGrant(OAuthTokenGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (string.IsNullOrWhiteSpace(grant.AccessToken))
        {
            throw new ArgumentException("The grant has no access token.", nameof(grant));
        }

        if (grant.RefreshToken is { Length: 0 })
        {
            throw new ArgumentException("The grant's refresh token is empty; pass null when Google sent none.", nameof(grant));
        }

        if (grant.ExpiresIn <= TimeSpan.Zero || grant.ExpiresIn > TimeSpan.FromDays(365))
        {
            throw new ArgumentException("The grant's ExpiresIn must be positive and at most a year.", nameof(grant));
        }
    }

    private static void ValidateGoogleUser(GoogleUserInfo? googleUser)
    {
        if (googleUser is not null && string.IsNullOrWhiteSpace(googleUser.Id))
        {
            throw new ArgumentException("The Google account has no id.", nameof(googleUser));
        }
    }

    private async Task<TokenBundleDocument?> ReadRecentAsync(string userId, string name, CancellationToken cancellationToken)
    {
        if (_recent.TryGet(userId, out var recent))
        {
            return recent;
        }

        var document = await ReadAsync(name, cancellationToken).ConfigureAwait(false);
        _recent.Set(userId, document);
        return document;
    }

    private async Task<TokenBundleDocument?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        SecretValue value;
        try
        {
            value = await _client.GetSecretValueAsync(name, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsManagerException ex) when (IsGone(ex))
        {
            return null;
        }

        if (value.SecretString is null)
        {
            throw new OAuthSecretFormatException(
                name, null, value.SecretBinary is null ? "the secret has no string value" : "the secret holds binary data, not a JSON string");
        }

        return TokenBundleDocument.Parse(name, value.SecretString, _options.DefaultScope);
    }

    private (OAuthTokenBundle Bundle, bool AccountSwitched) Merge(OAuthTokenBundle? previous, OAuthTokenGrant grant, GoogleUserInfo? googleUser)
    {
        var accountSwitched = googleUser is not null &&
                              previous?.GoogleUser is { Id.Length: > 0 } previousUser &&
                              !string.Equals(previousUser.Id, googleUser.Id, StringComparison.Ordinal);
        var now = PythonTimestamp.Truncate(_timeProvider.GetUtcNow());
        var bundle = new OAuthTokenBundle
        {
            AccessToken = grant.AccessToken,
            RefreshToken = grant.RefreshToken ?? (accountSwitched ? null : previous?.RefreshToken),
            ExpiresAt = now + grant.ExpiresIn,
            ExpiresIn = grant.ExpiresIn,
            Scope = grant.Scope ?? previous?.Scope ?? _options.DefaultScope,
            TokenType = "Bearer",
            CreatedAt = now,
            GoogleUser = googleUser ?? previous?.GoogleUser,
        };
        return (bundle, accountSwitched);
    }

    /// <summary>
    /// Writes the value whether or not the secret exists: PutSecretValue, else CreateSecret, else (a concurrent creator
    /// won) report the lost race or PutSecretValue again, all with one ClientRequestToken. Waits out a pending force
    /// delete; gives up after <see cref="OAuthSecretsOptions.RecreateAfterDeletionTimeout"/>.
    /// </summary>
    private async Task<UpsertOutcome> UpsertAsync(
        string name, string json, string token, bool secretLikelyExists, bool allowLostRace, CancellationToken cancellationToken)
    {
        if (secretLikelyExists && await TryPutAsync(name, json, token, cancellationToken).ConfigureAwait(false))
        {
            return UpsertOutcome.Put;
        }

        var started = _timeProvider.GetTimestamp();
        var delay = FirstRecreateDelay;
        while (true)
        {
            SecretsManagerException failure;
            try
            {
                await _client.CreateSecretAsync(
                        new NewSecret(name, json) { KmsKeyId = _options.KmsKeyId, Tags = Tags() },
                        token,
                        cancellationToken)
                    .ConfigureAwait(false);
                return UpsertOutcome.Created;
            }
            catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.AlreadyExists)
            {
                if (allowLostRace)
                {
                    return UpsertOutcome.LostRace;
                }

                if (await TryPutAsync(name, json, token, cancellationToken).ConfigureAwait(false))
                {
                    return UpsertOutcome.Put;
                }

                failure = ex;
            }
            catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.ScheduledForDeletion)
            {
                failure = ex;
            }

            if (_timeProvider.GetElapsedTime(started) + delay > _options.RecreateAfterDeletionTimeout)
            {
                throw failure;
            }

            Log.WaitingForDeletionToFinish(_logger, name, delay);
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRecreateDelay.Ticks));
        }
    }

    private Dictionary<string, string>? Tags() =>
        _options.SecretTags.Count > 0 ? new Dictionary<string, string>(_options.SecretTags, StringComparer.Ordinal) : null;

    private async Task<bool> TryPutAsync(string name, string json, string token, CancellationToken cancellationToken)
    {
        try
        {
            await _client.PutSecretValueAsync(name, json, token, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SecretsManagerException ex) when (IsGone(ex))
        {
            return false;
        }
    }

    private enum UpsertOutcome
    {
        Put,
        Created,
        LostRace,
    }
}
