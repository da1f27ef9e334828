using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// <see cref="IOAuthTokenStore"/> over Secrets Manager (or the in-process store): one secret per user, in the JSON
/// format shared with the Python Lambdas. Every read keeps the secret's version; every write that builds on what was
/// read (an update, a refresh write-back, a store that keeps the stored refresh token) is conditional on that version:
/// the new value is put under <see cref="PendingStage"/> and becomes current only if
/// <c>UpdateSecretVersionStage</c> can move <c>AWSCURRENT</c> to it from the version read, which fails when any writer
/// (the Python Lambdas' plain writes included) wrote in between.
/// </summary>
internal sealed class SecretsManagerOAuthTokenStore : IOAuthTokenStore
{
    /// <summary>The private staging label a conditional write puts its value under before making it current.</summary>
    internal const string PendingStage = "PAYPULSE_PENDING";

    /// <summary>How many conditional writes one call tries before it gives up with <see cref="OAuthTokenConflictException"/>.</summary>
    internal const int MaxCommitAttempts = 4;

    private const string CurrentStage = "AWSCURRENT";

    private static readonly TimeSpan FirstRecreateDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRecreateDelay = TimeSpan.FromSeconds(4);

    private readonly ISecretsManagerClient _client;
    private readonly OAuthSecretsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly UserTokenStates _states;
    private readonly OAuthSecretsTelemetry _telemetry;

    public SecretsManagerOAuthTokenStore(
        ISecretsManagerClient client,
        IOptions<OAuthSecretsOptions> options,
        TimeProvider? timeProvider = null,
        ILogger<SecretsManagerOAuthTokenStore>? logger = null,
        OAuthSecretsTelemetry? telemetry = null,
        UserTokenStates? states = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _states = states ?? new UserTokenStates(_timeProvider, _options);
        _telemetry = telemetry ?? OAuthSecretsTelemetry.ActivitiesOnly;
    }

    public async Task<OAuthTokenBundle?> GetAsync(string userId, CancellationToken cancellationToken = default) =>
        (await GetStoredAsync(userId, cancellationToken).ConfigureAwait(false))?.Bundle;

    /// <summary>
    /// <see cref="GetAsync"/> with the version: the bundle this process knows when it was learned within
    /// <see cref="OAuthSecretsOptions.BundleCacheDuration"/> and is not within <see cref="OAuthSecretsOptions.RefreshBeforeExpiry"/>
    /// of its expiry (no call), else read from Secrets Manager.
    /// </summary>
    internal Task<StoredBundle?> GetStoredAsync(string userId, CancellationToken cancellationToken) =>
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
            static (state, userId, ct) => state.Store.UpdateCoreAsync(userId, presented: null, state.Grant, ct),
            cancellationToken);

    public Task<OAuthTokenBundle> UpdateRefreshedAsync(
        string userId, string presentedRefreshToken, OAuthTokenGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(presentedRefreshToken);
        return TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Update,
            userId,
            (Store: this, Presented: presentedRefreshToken, Grant: grant),
            static (state, userId, ct) => state.Store.UpdateCoreAsync(userId, state.Presented, state.Grant, ct),
            cancellationToken);
    }

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
        SecretNames.ValidateUserId(userId);
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

    /// <summary>The error for a user with no stored tokens, naming their secret.</summary>
    internal OAuthTokenNotFoundException NotFound(string userId) =>
        new(userId, SecretNames.ForUser(_options.SecretNamePrefix, userId), null);

    /// <summary>Gets the per-user states this store keeps (shared with the Gmail credential factory).</summary>
    internal UserTokenStates States => _states;

    /// <summary>
    /// Reads the user's bundle with its version from Secrets Manager, and remembers it unless a write or delete of this
    /// process started meanwhile.
    /// </summary>
    internal async Task<StoredBundle?> ReadAsync(string userId, CancellationToken cancellationToken)
    {
        var state = _states.For(userId);
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        var generation = state.BeginRead();
        var stored = await FetchAsync(name, cancellationToken).ConfigureAwait(false);
        state.CompleteRead(generation, stored, _timeProvider.GetTimestamp());
        Log.TokensRead(_logger, userId, name, stored is not null);
        return stored;
    }

    /// <summary>
    /// Writes refreshed tokens conditionally on <paramref name="basis"/>, the bundle the refresh started from. When
    /// another writer changed the secret meanwhile, it is read again: the same grant (it still holds the refresh token
    /// that was refreshed, or the rotated one) is merged (the later expiry wins; a rotated refresh token is kept) and
    /// written again, bounded; another grant is never overwritten and comes back as <see cref="WriteBackOutcome.Superseded"/>.
    /// </summary>
    /// <exception cref="OAuthTokenNotFoundException">The secret no longer exists; nothing is created.</exception>
    /// <exception cref="OAuthTokenConflictException">The secret kept changing.</exception>
    internal Task<WriteBackResult> WriteBackAsync(
        string userId, StoredBundle basis, OAuthTokenGrant grant, DateTimeOffset issuedAt, CancellationToken cancellationToken) =>
        TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Update,
            userId,
            (Store: this, Basis: basis, Grant: grant, IssuedAt: issuedAt),
            static (state, userId, ct) => state.Store.WriteBackCoreAsync(userId, state.Basis, state.Basis.RefreshToken, state.Grant, state.IssuedAt, ct),
            cancellationToken);

    /// <summary>
    /// Deletes the user's secret if it still holds <paramref name="refusedRefreshToken"/> (read right before the delete);
    /// otherwise returns what replaced it, or <see langword="null"/> once deleted or when nothing is stored.
    /// </summary>
    internal Task<StoredBundle?> DeleteIfHoldsAsync(string userId, string refusedRefreshToken, CancellationToken cancellationToken) =>
        DeleteIfAsync(userId, stored => string.Equals(stored.RefreshToken, refusedRefreshToken, StringComparison.Ordinal), cancellationToken);

    /// <summary>
    /// Deletes the user's secret if what it holds, read right before the delete, is still <paramref name="doomed"/>;
    /// otherwise returns what it holds, or <see langword="null"/> once deleted or when nothing is stored.
    /// </summary>
    internal Task<StoredBundle?> DeleteIfAsync(string userId, Func<StoredBundle, bool> doomed, CancellationToken cancellationToken) =>
        TracedAsync(
            OAuthSecretsTelemetry.StoreCall.Delete,
            userId,
            (Store: this, Doomed: doomed),
            static (state, userId, ct) => state.Store.DeleteIfCoreAsync(userId, state.Doomed, ct),
            cancellationToken);

    // refreshed: the refresh token the tokens were refreshed with, i.e. the grant they belong to.
    private async Task<WriteBackResult> WriteBackCoreAsync(
        string userId, StoredBundle basis, string? refreshed, OAuthTokenGrant grant, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        var state = _states.For(userId);
        var outcome = WriteBackOutcome.Written;
        for (var attempt = 1; ; attempt++)
        {
            // Onto the version the tokens came from, as they are; onto another writer's update of the same grant (or
            // a basis that already holds the rotated refresh token), merged.
            var onOwnBasis = attempt == 1 && string.Equals(basis.RefreshToken, refreshed, StringComparison.Ordinal);
            var merged = onOwnBasis ? basis.Bundle.WithRefreshedTokens(grant, issuedAt) : MergeRefreshed(basis.Bundle, grant, issuedAt);
            if (!onOwnBasis && merged == basis.Bundle)
            {
                // What the other writer stored is newer than these tokens.
                return new WriteBackResult(basis, WriteBackOutcome.Merged);
            }

            var (committed, current) = await TryCommitAsync(userId, name, state, basis, basis.Document.With(merged), cancellationToken)
                .ConfigureAwait(false);
            if (committed is not null)
            {
                Log.TokensUpdated(_logger, userId, name);
                return new WriteBackResult(committed, outcome);
            }

            if (!HoldsGrant(current!, refreshed, grant.RefreshToken))
            {
                Log.WriteBackSuperseded(_logger, userId, name);
                return new WriteBackResult(current!, WriteBackOutcome.Superseded);
            }

            if (attempt == MaxCommitAttempts)
            {
                throw new OAuthTokenConflictException(userId, name, attempt);
            }

            Log.WriteConflict(_logger, userId, name, attempt);
            outcome = WriteBackOutcome.Merged;
            basis = current!;
        }
    }

    private async Task<StoredBundle?> DeleteIfCoreAsync(string userId, Func<StoredBundle, bool> doomed, CancellationToken cancellationToken)
    {
        var gate = _states.For(userId).Lifecycle;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
            if (stored is not null && !doomed(stored))
            {
                return stored;
            }

            if (stored is not null)
            {
                await DeleteCoreAsync(userId, cancellationToken).ConfigureAwait(false);
            }

            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<StoredBundle?> GetCoreAsync(string userId, CancellationToken cancellationToken)
    {
        SecretNames.ValidateUserId(userId);
        if (_states.Known(userId) is { } known && !known.Bundle.IsExpired(_timeProvider, _options.RefreshBeforeExpiry))
        {
            return known;
        }

        return await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<OAuthTokenStoreResult> StoreCoreAsync(
        string userId, OAuthTokenGrant grant, GoogleUserInfo? googleUser, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        ValidateGrant(grant);
        ValidateGoogleUser(googleUser);
        var state = _states.For(userId);
        await state.Lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await StoreUnderGateAsync(userId, name, state, grant, googleUser, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            state.Lifecycle.Release();
        }
    }

    private async Task<OAuthTokenStoreResult> StoreUnderGateAsync(
        string userId, string name, UserTokenState state, OAuthTokenGrant grant, GoogleUserInfo? googleUser, CancellationToken cancellationToken)
    {
        var created = false;

        // One ClientRequestToken for the plain write, kept when a lost create race makes it write again.
        var plainToken = SecretsManagerLimits.NewClientRequestToken();

        // The newest consent wins, merged onto a fresh read. A plain write, unless the merge keeps the stored refresh
        // token: then it depends on what was read, and is conditional like a write-back, so that a refresh token
        // rotated meanwhile is never replaced by the consumed one.
        var existing = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
        OAuthTokenBundle bundle;
        bool accountSwitched;
        for (var attempt = 1; ; attempt++)
        {
            (bundle, accountSwitched) = Merge(existing?.Bundle, grant, googleUser);
            if (existing is null || grant.RefreshToken is not null || bundle.RefreshToken is null)
            {
                var outcome = await PlainStoreAsync(name, state, existing, bundle, plainToken, allowLostRace: attempt == 1, cancellationToken)
                    .ConfigureAwait(false);
                if (outcome == UpsertOutcome.LostRace)
                {
                    // A concurrent first connect created the secret: merge into what it wrote (its keys, its refresh
                    // token when the grant has none) and write again.
                    existing = await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                created = outcome == UpsertOutcome.Created;
                break;
            }

            StoredBundle? committed, current;
            try
            {
                (committed, current) = await TryCommitAsync(userId, name, state, existing, existing.Document.With(bundle), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (OAuthTokenNotFoundException)
            {
                // Deleted meanwhile: the store creates it again.
                (committed, current) = (null, null);
            }

            if (committed is not null)
            {
                break;
            }

            if (attempt == MaxCommitAttempts)
            {
                throw new OAuthTokenConflictException(userId, name, attempt);
            }

            Log.WriteConflict(_logger, userId, name, attempt);
            existing = current;
        }

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

    /// <summary>
    /// The plain (unconditional) write of a store: put, or create when the secret does not exist, with one
    /// ClientRequestToken. With <paramref name="allowLostRace"/>, a create that finds the secret created meanwhile
    /// reports <see cref="UpsertOutcome.LostRace"/> instead of overwriting it.
    /// </summary>
    private async Task<UpsertOutcome> PlainStoreAsync(
        string name, UserTokenState state, StoredBundle? existing, OAuthTokenBundle bundle, string token, bool allowLostRace, CancellationToken cancellationToken)
    {
        var document = existing?.Document.With(bundle) ?? TokenBundleDocument.Create(bundle);
        var ticket = state.BeginWrite();
        StoredBundle? written = null;
        try
        {
            var outcome = await UpsertAsync(name, SecretString(name, document), token, secretLikelyExists: existing is not null, allowLostRace, cancellationToken)
                .ConfigureAwait(false);
            if (outcome != UpsertOutcome.LostRace)
            {
                written = new StoredBundle(document, token);
            }

            return outcome;
        }
        finally
        {
            state.CompleteWrite(ticket, written, _timeProvider.GetTimestamp());
        }
    }

    private async Task<OAuthTokenBundle> UpdateCoreAsync(string userId, string? presented, OAuthTokenGrant grant, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);
        ValidateGrant(grant);

        // Based on what this process knows, unless it holds another grant than the one refreshed: then on a fresh read.
        var basis = _states.Known(userId) is { } known && (presented is null || string.Equals(known.RefreshToken, presented, StringComparison.Ordinal))
            ? known
            : await ReadAsync(userId, cancellationToken).ConfigureAwait(false);
        if (basis is null)
        {
            throw new OAuthTokenNotFoundException(userId, name, null);
        }

        if (presented is not null && !HoldsGrant(basis, presented, grant.RefreshToken))
        {
            Log.WriteBackSuperseded(_logger, userId, name);
            return basis.Bundle;
        }

        // When the secret already holds the rotated refresh token, the tokens are merged onto it (the later expiry wins).
        var result = await WriteBackCoreAsync(userId, basis, presented ?? basis.RefreshToken, grant, _timeProvider.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);
        return result.Stored.Bundle;
    }

    private async Task DeleteCoreAsync(string userId, CancellationToken cancellationToken)
    {
        var name = SecretNames.ForUser(_options.SecretNamePrefix, userId);

        // Evicted before the delete (nothing known is served while it runs) and after it (a read that started in
        // between cannot leave the deleted bundle behind).
        _states.Evict(userId);
        try
        {
            await _client.DeleteSecretAsync(name, forceDeleteWithoutRecovery: true, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.NotFound)
        {
            // AWS answers a forced delete of a missing secret with 200; some emulators and proxies answer not found.
        }
        finally
        {
            _states.Evict(userId);
        }

        Log.SecretDeleted(_logger, userId, name);
    }

    /// <summary>
    /// One conditional write: <paramref name="document"/> is put under <see cref="PendingStage"/>, then made current by
    /// moving <c>AWSCURRENT</c> to it from <paramref name="basis"/>'s version. Returns what was committed, or, when the
    /// secret was no longer at that version, what it holds now (read again).
    /// </summary>
    private async Task<(StoredBundle? Committed, StoredBundle? Current)> TryCommitAsync(
        string userId, string name, UserTokenState state, StoredBundle basis, TokenBundleDocument document, CancellationToken cancellationToken)
    {
        var version = SecretsManagerLimits.NewClientRequestToken();
        StoredBundle? known = null;
        var ticket = state.BeginWrite();
        SecretsManagerException refused;
        try
        {
            try
            {
                await _client.PutSecretValueAsync(name, SecretString(name, document), version, PendingStage, cancellationToken).ConfigureAwait(false);
                await _client.UpdateSecretVersionStageAsync(name, CurrentStage, version, basis.VersionId, cancellationToken).ConfigureAwait(false);
                known = new StoredBundle(document, version);
                return (known, null);
            }
            catch (SecretsManagerException ex) when (IsGone(ex))
            {
                throw new OAuthTokenNotFoundException(userId, name, ex);
            }
            catch (SecretsManagerException ex) when (ex.Kind == SecretsManagerErrorKind.InvalidParameter)
            {
                // AWSCURRENT is no longer on the version this write was based on: another writer came first (or a
                // retried stage move of our own had already gone through).
                refused = ex;
            }

            var current = await FetchAsync(name, cancellationToken).ConfigureAwait(false)
                          ?? throw new OAuthTokenNotFoundException(userId, name, null);
            if (string.Equals(current.VersionId, basis.VersionId, StringComparison.Ordinal))
            {
                // Still at the base version, so the refusal was not a conflict: a genuine parameter error.
                throw refused;
            }

            known = current;
            return string.Equals(current.VersionId, version, StringComparison.Ordinal) ? (current, null) : (null, current);
        }
        finally
        {
            state.CompleteWrite(ticket, known, _timeProvider.GetTimestamp());
        }
    }

    /// <summary>
    /// The document as the secret's value. One that would pass Secrets Manager's 64 KiB (keys written by other code
    /// make most of it) is refused with a typed error before any call; nothing is written.
    /// </summary>
    private static string SecretString(string name, TokenBundleDocument document)
    {
        var json = document.ToJson();
        var bytes = System.Text.Encoding.UTF8.GetByteCount(json);
        return bytes <= SecretsManagerLimits.MaxSecretStringBytes
            ? json
            : throw new OAuthSecretFormatException(
                name, null, $"the bundle would be {bytes} bytes, over Secrets Manager's {SecretsManagerLimits.MaxSecretStringBytes}-byte limit");
    }

    /// <summary>Whether <paramref name="stored"/> still holds the grant that was refreshed (or its rotated refresh token).</summary>
    private static bool HoldsGrant(StoredBundle stored, string? refreshedToken, string? rotatedToken) =>
        string.Equals(stored.RefreshToken, refreshedToken, StringComparison.Ordinal) ||
        (rotatedToken is not null && string.Equals(stored.RefreshToken, rotatedToken, StringComparison.Ordinal));

    /// <summary>
    /// Refreshed tokens merged into a stored bundle of the same grant: the later expiry's access token wins (the new one
    /// on a tie); a rotated
    /// refresh token replaces the one it was rotated from; scope, Google account and unknown keys are the stored ones.
    /// </summary>
    private static OAuthTokenBundle MergeRefreshed(OAuthTokenBundle stored, OAuthTokenGrant grant, DateTimeOffset issuedAt)
    {
        var refreshed = stored.WithRefreshedTokens(grant, issuedAt);
        if (stored.ExpiresAt <= refreshed.ExpiresAt)
        {
            return refreshed;
        }

        return grant.RefreshToken is { } rotated && !string.Equals(rotated, stored.RefreshToken, StringComparison.Ordinal)
            ? stored with { RefreshToken = rotated }
            : stored;
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

    /// <summary>GetSecretValue of the user's secret: its bundle and version, or <see langword="null"/> when there is none.</summary>
    private async Task<StoredBundle?> FetchAsync(string name, CancellationToken cancellationToken)
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

        if (string.IsNullOrEmpty(value.VersionId))
        {
            throw new SecretsManagerException(
                $"Secrets Manager GetSecretValue on '{name}' returned no VersionId, so no write can be made conditional on it.",
                SecretsManagerErrorKind.InvalidResponse,
                errorCode: null,
                System.Net.HttpStatusCode.OK,
                requestId: null);
        }

        return new StoredBundle(TokenBundleDocument.Parse(name, value.SecretString, _options.DefaultScope), value.VersionId);
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
