using System.Threading.Channels;

namespace PayPulse.OAuthSecrets.Tests.Fakes;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells the test when the code under test arms a timer (a backoff delay, a
/// timeout), so a test advances the clock after the timer exists instead of racing the thread that creates it.
/// </summary>
public sealed class ObservedTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private static readonly TimeSpan RealTimeLimit = TimeSpan.FromSeconds(10);

    private readonly Channel<TimeSpan> _armed = Channel.CreateUnbounded<TimeSpan>();

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _armed.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>
    /// Waits (at most 10 s of real time) until a timer with exactly <paramref name="dueTime"/> is armed; timers of
    /// other lengths armed before it are passed over.
    /// </summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime)
    {
        using var limit = new CancellationTokenSource(RealTimeLimit);
        while (await _armed.Reader.ReadAsync(limit.Token) != dueTime)
        {
        }
    }

    /// <summary>
    /// Plays the clock for <paramref name="work"/>: each time it arms a timer, advances the fake clock by exactly that
    /// timer's due time, until the work completes (at most 10 s of real time). Returns how much fake time passed.
    /// </summary>
    /// <remarks>
    /// Meant for work whose only timers are waits (a backoff over a substituted client): every armed timer advances the
    /// clock, so a timeout timer that the work disposes unfired (a real client's per-attempt timeout) would still add
    /// its length and fire other timers early. Use <see cref="WaitForTimerAsync"/> for such work.
    /// </remarks>
    public async Task<TimeSpan> RunUntilCompletedAsync(Task work)
    {
        var before = GetUtcNow();
        using var limit = new CancellationTokenSource(RealTimeLimit);
        while (!work.IsCompleted)
        {
            var armed = _armed.Reader.WaitToReadAsync(limit.Token).AsTask();
            if (await Task.WhenAny(work, armed) == armed && await armed)
            {
                while (_armed.Reader.TryRead(out var dueTime))
                {
                    if (dueTime != Timeout.InfiniteTimeSpan)
                    {
                        Advance(dueTime);
                    }
                }
            }
        }

        return GetUtcNow() - before;
    }
}
