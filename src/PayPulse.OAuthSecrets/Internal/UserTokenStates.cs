using System.Collections.Concurrent;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// The per-user states of this process (one <see cref="UserTokenState"/> per user id), shared by the token store and
/// the Gmail credential factory of one container. Bounded: past <see cref="MaxUsers"/> idle states are dropped.
/// </summary>
internal sealed class UserTokenStates(TimeProvider timeProvider, OAuthSecretsOptions options)
{
    /// <summary>How many users' states are kept before idle ones are dropped.</summary>
    internal const int MaxUsers = 4096;

    private readonly ConcurrentDictionary<string, UserTokenState> _states = new(StringComparer.Ordinal);

    /// <summary>Gets the clock the states are timed with.</summary>
    public TimeProvider TimeProvider { get; } = timeProvider;

    /// <summary>Gets how long a known bundle stands in for a read.</summary>
    public TimeSpan CacheDuration { get; } = options.BundleCacheDuration;

    /// <summary>Gets the number of users with a state (for tests).</summary>
    internal int Count => _states.Count;

    /// <summary>Gets (or creates) the state of <paramref name="userId"/>.</summary>
    public UserTokenState For(string userId)
    {
        if (_states.TryGetValue(userId, out var state))
        {
            return state;
        }

        if (_states.Count >= MaxUsers)
        {
            Prune();
        }

        return _states.GetOrAdd(userId, static _ => new UserTokenState());
    }

    /// <summary>The last bundle known for the user, if learned within <see cref="CacheDuration"/>.</summary>
    public StoredBundle? Known(string userId) =>
        CacheDuration > TimeSpan.Zero && _states.TryGetValue(userId, out var state) ? state.Known(TimeProvider, CacheDuration) : null;

    /// <summary>Forgets the user (after a delete): operations still holding the old state change nothing.</summary>
    public void Evict(string userId)
    {
        if (_states.TryRemove(userId, out var state))
        {
            // The next state keeps the consumed-token memory (and nothing else) of the evicted one.
            _states.TryAdd(userId, state.Evict());
        }
    }

    private void Prune()
    {
        foreach (var (userId, state) in _states)
        {
            if (state.IsIdle(TimeProvider, CacheDuration))
            {
                // Removing it without evicting is safe: a later state starts empty and reads again.
                _states.TryRemove(new KeyValuePair<string, UserTokenState>(userId, state));
            }
        }
    }
}
