using Microsoft.Extensions.Logging;
using PayPulse.OAuthSecrets.Internal.Gmail;
using PayPulse.OAuthSecrets.Internal.SecretsManager;
using PayPulse.OAuthSecrets.Maintenance;

namespace PayPulse.OAuthSecrets.Internal.Maintenance;

/// <summary>
/// The sweep: lists the user secrets, reads and classifies each, and takes the actions switched on, through the store
/// and the refresh coordinator the Gmail credentials use. Its writes run under a <see cref="SecretsManagerWriteBudget"/>
/// that it carries into the refresh flights and deletes it starts.
/// </summary>
internal sealed class OAuthTokenMaintenance(
    SecretsManagerOAuthTokenStore store,
    UserRefreshCoordinator coordinator,
    ISecretsManagerClient client,
    OAuthSecretsOptions secretsOptions,
    TimeProvider timeProvider,
    ILogger logger) : IOAuthTokenMaintenance
{
    private const string KeepAliveAction = "keep alive";
    private const string DeleteAbandonedAction = "delete (abandoned)";

    public async Task<OAuthTokenSweepReport> SweepAsync(
        OAuthTokenSweepOptions options,
        IProgress<OAuthTokenSweepProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        OAuthTokenSweepOptions.Validate(options);
        cancellationToken.ThrowIfCancellationRequested();
        var started = timeProvider.GetTimestamp();
        Log.SweepStarting(
            logger,
            secretsOptions.SecretNamePrefix,
            options.DryRun,
            options.KeepAlive,
            options.KeepAliveAfter,
            options.DeleteRevoked,
            options.DeleteAbandoned,
            options.AbandonedAfter,
            options.MaxWritesPerSecond);

        // The budget of this sweep's writes, for this method's flow and everything it starts (it ends with the method).
        using var budget = options.DryRun ? null : new SecretsManagerWriteBudget(options.MaxWritesPerSecond);
        SecretsManagerWriteBudget.Use(budget);
        using var actionSlots = new SemaphoreSlim(options.MaxWritesPerSecond);
        var sweep = new Sweep(options, new SweepTally(progress), actionSlots);
        try
        {
            // The whole listing before any action: a delete made while paging could move the next page past secrets
            // never listed (moto's NextToken is the index of the next secret).
            var names = await ListUserSecretsAsync(cancellationToken).ConfigureAwait(false);

            // Parallel.ForEachAsync stops taking names on cancellation and returns only once every body has ended.
            await Parallel.ForEachAsync(
                    names,
                    new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken },
                    (name, token) => new ValueTask(SweepOneAsync(sweep, name, token)))
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var seen = sweep.Tally.Progress;
            Log.SweepCancelled(logger, seen.Scanned, seen.ActionsTaken);
            throw;
        }

        var report = sweep.Tally.ToReport(options, timeProvider.GetElapsedTime(started));
        Log.SweepCompleted(
            logger,
            report.Elapsed,
            report.Scanned,
            report.Valid,
            report.Expiring,
            report.Expired,
            report.WithoutRefreshToken,
            report.Malformed,
            report.Revoked,
            report.KeptAlive,
            report.Deleted,
            report.Failed,
            report.DryRun);
        return report;
    }

    /// <summary>The class of a stored bundle: the first that applies of no refresh token, expired, expiring, valid.</summary>
    internal static SecretClass Classify(OAuthTokenBundle bundle, DateTimeOffset now, TimeSpan refreshBeforeExpiry) =>
        bundle.RefreshToken is null ? SecretClass.WithoutRefreshToken
        : bundle.IsExpired(now) ? SecretClass.Expired
        : bundle.IsExpired(now, refreshBeforeExpiry) ? SecretClass.Expiring
        : SecretClass.Valid;

    /// <summary>Every secret name under the prefix, each once, in listing order: all pages.</summary>
    private async Task<List<string>> ListUserSecretsAsync(CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var names = new List<string>();
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await client.ListSecretsAsync(secretsOptions.SecretNamePrefix, next, cancellationToken).ConfigureAwait(false);
            foreach (var name in page.Names)
            {
                if (seen.Add(name))
                {
                    names.Add(name);
                }
            }

            next = page.NextToken;
            if (next is not null && !tokens.Add(next))
            {
                // Pages that point back at each other would list forever.
                throw new SecretsManagerException(
                    $"Secrets Manager ListSecrets on '{secretsOptions.SecretNamePrefix}' returned a NextToken it had returned before.",
                    SecretsManagerErrorKind.InvalidResponse,
                    errorCode: null,
                    System.Net.HttpStatusCode.OK,
                    requestId: null);
            }
        }
        while (next is not null);

        return names;
    }

    private async Task SweepOneAsync(Sweep sweep, string name, CancellationToken cancellationToken)
    {
        var userId = name[secretsOptions.SecretNamePrefix.Length..];
        StoredBundle? stored;
        try
        {
            SecretNames.ValidateUserId(userId);
            stored = await store.ReadAsync(userId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OAuthSecretFormatException or ArgumentException)
        {
            // Not a bundle, or not {prefix}{user id}: no store call can address it.
            Log.SweepMalformed(logger, name, ex);
            sweep.Tally.Classified(SecretClass.Malformed);
            return;
        }
        catch (SecretsManagerException ex)
        {
            Log.SweepFailed(logger, "read", name, ex);
            sweep.Tally.Failed();
            return;
        }

        if (stored is null)
        {
            // Deleted since it was listed.
            return;
        }

        var options = sweep.Options;
        var now = timeProvider.GetUtcNow();
        var bundle = stored.Bundle;
        sweep.Tally.Classified(Classify(bundle, now, secretsOptions.RefreshBeforeExpiry));
        if (options.KeepAlive && bundle.RefreshToken is not null && now - bundle.CreatedAt > options.KeepAliveAfter)
        {
            await ActAsync(sweep, KeepAliveAction, userId, name, () => KeepAliveAsync(sweep, userId, name, stored), sweep.Tally.KeptAlive, cancellationToken)
                .ConfigureAwait(false);
        }
        else if (options.DeleteAbandoned && bundle.RefreshToken is null && now - bundle.ExpiresAt > options.AbandonedAfter)
        {
            await ActAsync(
                    sweep, DeleteAbandonedAction, userId, name, () => DeleteAbandonedAsync(sweep, userId, name, stored), sweep.Tally.DeletedAbandoned, cancellationToken)
                .ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One action: on a dry run only counted as <paramref name="wouldDo"/>; otherwise started once a slot is free (the
    /// wait is cancellable) and, once started, run to its end whatever the cancellation.
    /// </summary>
    private async Task ActAsync(
        Sweep sweep, string action, string userId, string name, Func<Task> act, Action wouldDo, CancellationToken cancellationToken)
    {
        if (sweep.Options.DryRun)
        {
            Log.SweepWouldAct(logger, action, userId, name);
            wouldDo();
            return;
        }

        await sweep.ActionSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await act().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SecretsManagerException or OAuthTokenRefreshException or OAuthTokenConflictException or OAuthSecretFormatException)
        {
            Log.SweepFailed(logger, action, name, ex);
            sweep.Tally.Failed();
        }
        finally
        {
            sweep.ActionSlots.Release();
        }
    }

    private async Task KeepAliveAsync(Sweep sweep, string userId, string name, StoredBundle stored)
    {
        try
        {
            // The single-flight refresh and conditional write-back of CreateAsync; not cancelled once Google is asked.
            await coordinator.RefreshAsync(userId, stored, sweep.Options.DeleteRevoked, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OAuthTokenRevokedException ex)
        {
            sweep.Tally.Revoked(ex.SecretDeleted);
            if (ex.SecretDeleted)
            {
                Log.SweepDeletedRevoked(logger, userId, name);
            }

            return;
        }
        catch (OAuthTokenNotFoundException)
        {
            // Deleted meanwhile: nothing to keep alive.
            return;
        }

        // Counted by what is stored now: a write-back that failed still hands the tokens out. A refresh of this process
        // that rotated the token away hands its tokens over before its write-back lands: that is awaited first.
        await store.States.For(userId).RunningRefreshesEnded().ConfigureAwait(false);
        var after = await store.ReadAsync(userId, CancellationToken.None).ConfigureAwait(false);
        if (after is not null && after.Bundle.CreatedAt > stored.Bundle.CreatedAt)
        {
            Log.SweepKeptAlive(logger, userId, name, stored.Bundle.CreatedAt);
            sweep.Tally.KeptAlive();
        }
        else if (after is not null)
        {
            Log.SweepFailed(logger, KeepAliveAction, name, null);
            sweep.Tally.Failed();
        }
    }

    private async Task DeleteAbandonedAsync(Sweep sweep, string userId, string name, StoredBundle stored)
    {
        // Only the version judged: a reconnect or any other write since the read keeps the secret.
        var current = await store.DeleteIfAsync(
                userId, now => string.Equals(now.VersionId, stored.VersionId, StringComparison.Ordinal), CancellationToken.None)
            .ConfigureAwait(false);
        if (current is null)
        {
            Log.SweepDeletedAbandoned(logger, userId, name, stored.Bundle.ExpiresAt);
            sweep.Tally.DeletedAbandoned();
        }
        else
        {
            Log.SweepSecretChanged(logger, userId, name);
        }
    }

    /// <summary>The classes a stored secret falls in, exactly one each.</summary>
    internal enum SecretClass
    {
        Valid,
        Expiring,
        Expired,
        WithoutRefreshToken,
        Malformed,
    }

    /// <summary>One sweep's options, counts, and slots for the actions it runs at a time.</summary>
    private sealed record Sweep(OAuthTokenSweepOptions Options, SweepTally Tally, SemaphoreSlim ActionSlots);
}
