using System.Runtime.ExceptionServices;
using PayPulse.OAuthSecrets.Internal.Retry;
using Polly;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// <see cref="TransientRetry"/>'s pipeline, built when a first attempt fails with a failure that may be retried
/// instead of up front: building a Polly pipeline validates its options by reflection, which costs a cold start tens
/// of milliseconds that a call whose first attempt succeeds never needs.
/// </summary>
/// <remarks>
/// Until then a call's first attempt runs directly, and a success is settled with the <see cref="RetryBudget"/> as the
/// pipeline's innermost step would settle it. A first attempt that fails transiently is handed to the pipeline as the
/// outcome of its own first attempt, so the decision to retry, the quota paid, the wait, the log and every later
/// attempt are exactly the pipeline's. With a client-side rate limiter (adaptive mode) every attempt waits for a send
/// token inside the pipeline, so there the pipeline runs every call from the start.
/// </remarks>
internal sealed class LazyRetryPipeline
{
    private readonly Func<ResiliencePipeline> _build;
    private readonly Func<Exception, bool> _isTransient;
    private readonly RetryBudget? _budget;
    private readonly bool _mayRetry;
    private ResiliencePipeline? _pipeline;

    /// <param name="options">Attempts: with one, nothing is ever retried.</param>
    /// <param name="isTransient">Which failures are retried (the same rule the pipeline is built with).</param>
    /// <param name="budget">The budget the pipeline settles attempts with; <see langword="null"/> for none.</param>
    /// <param name="build">Builds the pipeline (<see cref="TransientRetry.Create"/>).</param>
    public LazyRetryPipeline(OAuthSecretsOptions options, Func<Exception, bool> isTransient, RetryBudget? budget, Func<ResiliencePipeline> build)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(isTransient);
        ArgumentNullException.ThrowIfNull(build);
        _mayRetry = options.MaxAttempts > 1;
        _isTransient = isTransient;
        _budget = budget;
        _build = build;
    }

    /// <summary>Gets whether the Polly pipeline has been built.</summary>
    public bool IsBuilt => Volatile.Read(ref _pipeline) is not null;

    /// <summary>Runs <paramref name="callback"/> with retries, as the pipeline's <c>ExecuteAsync</c> does.</summary>
    public async ValueTask<TResult> ExecuteAsync<TState, TResult>(
        Func<TState, CancellationToken, ValueTask<TResult>> callback, TState state, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _pipeline) is not null || _budget?.RateLimiter is not null)
        {
            return await Pipeline().ExecuteAsync(callback, state, cancellationToken).ConfigureAwait(false);
        }

        ExceptionDispatchInfo firstFailure;
        try
        {
            var result = await callback(state, cancellationToken).ConfigureAwait(false);
            if (_mayRetry)
            {
                // The pipeline (and so its budget step) exists only when a retry is possible.
                _budget?.AfterFirstAttemptSucceeded();
            }

            return result;
        }
        catch (Exception ex) when (_mayRetry && !cancellationToken.IsCancellationRequested && _isTransient(ex))
        {
            firstFailure = ExceptionDispatchInfo.Capture(ex);
        }

        var replay = new Replay<TState, TResult>(callback, state, firstFailure);
        return await Pipeline().ExecuteAsync(
            static (r, token) => r.NextAttemptAsync(token), replay, cancellationToken).ConfigureAwait(false);
    }

    private ResiliencePipeline Pipeline() => LazyInitializer.EnsureInitialized(ref _pipeline, _build);

    /// <summary>The pipeline's attempts of a call whose first attempt already failed: that failure first, then the real ones.</summary>
    private sealed class Replay<TState, TResult>(Func<TState, CancellationToken, ValueTask<TResult>> callback, TState state, ExceptionDispatchInfo firstFailure)
    {
        private ExceptionDispatchInfo? _firstFailure = firstFailure;

        public async ValueTask<TResult> NextAttemptAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _firstFailure, null) is { } failure)
            {
                failure.Throw();
            }

            return await callback(state, cancellationToken).ConfigureAwait(false);
        }
    }
}
