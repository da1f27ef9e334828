using Polly;

namespace PayPulse.OAuthSecrets.Internal.Retry;

/// <summary>
/// The innermost step of <see cref="TransientRetry"/>'s pipeline, run once per attempt: waits for a send token
/// (adaptive mode), runs the attempt, and settles it with the <see cref="RetryBudget"/>.
/// </summary>
internal sealed class RetryBudgetStrategy(RetryBudget budget) : ResilienceStrategy
{
    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        try
        {
            await budget.BeforeAttemptAsync(context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch (OperationCanceledException ex)
        {
            return Outcome.FromException<TResult>(ex);
        }

        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        budget.AfterAttempt(context, outcome.Exception);
        return outcome;
    }
}
