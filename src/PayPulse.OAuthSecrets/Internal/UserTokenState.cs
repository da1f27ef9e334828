namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// Everything this process knows about one user's tokens, in one place: the last bundle known with its version, a
/// generation that every write and delete moves on (so that a read that started before a write can never replace what
/// the write produced), the user's current or last refresh, keyed by the refresh token it presented (single
/// flight), and the refresh tokens this process saw rotated away, with what replaced them, so that a consumed refresh
/// token is never presented again. Deleting the user evicts the whole state; operations still holding it then change
/// nothing.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The SemaphoreSlim is only awaited (WaitAsync): its wait handle is never created, so it holds nothing to dispose.")]
internal sealed class UserTokenState
{
    // Refresh tokens rotated away by this process's refreshes, newest last. A caller's basis can only be as old as the
    // read it came from, so the last 64 rotations cover far more than any read takes, even under a refresh storm.
    private const int MaxRotations = 64;

    private readonly List<(string From, OAuthTokenBundle Successor)> _rotations = [];
    private readonly object _gate = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private long _generation;
    private StoredBundle? _known;
    private long _knownAt;
    private RefreshFlight? _flight;
    private bool _evicted;

    /// <summary>
    /// Gets the gate that orders this process's stores (reconnects) and deletes after <c>invalid_grant</c> of the
    /// user, so that the check "the secret still holds the refused refresh token" and the delete are never split by a
    /// reconnect made in this process. Reads and refresh write-backs never take it.
    /// </summary>
    public SemaphoreSlim Lifecycle => _lifecycle;

    /// <summary>Gets a value indicating whether the user was deleted in this process after this state was created.</summary>
    public bool IsEvicted
    {
        get
        {
            lock (_gate)
            {
                return _evicted;
            }
        }
    }

    /// <summary>Gets the refresh currently or last run for the user (for tests).</summary>
    internal RefreshFlight? Flight
    {
        get
        {
            lock (_gate)
            {
                return _flight;
            }
        }
    }

    /// <summary>Gets the last bundle known, if it was learned at most <paramref name="maxAge"/> ago.</summary>
    public StoredBundle? Known(TimeProvider timeProvider, TimeSpan maxAge)
    {
        lock (_gate)
        {
            return _known is not null && !_evicted && timeProvider.GetElapsedTime(_knownAt) <= maxAge ? _known : null;
        }
    }

    /// <summary>Marks the start of a read; pass the result to <see cref="CompleteRead"/>.</summary>
    public long BeginRead()
    {
        lock (_gate)
        {
            return _generation;
        }
    }

    /// <summary>
    /// Remembers what a read found, unless a write or delete started since the read began (its result is newer).
    /// </summary>
    public void CompleteRead(long generation, StoredBundle? found, long timestamp)
    {
        lock (_gate)
        {
            if (!_evicted && _generation == generation)
            {
                _known = found;
                _knownAt = timestamp;
            }
        }
    }

    /// <summary>Marks the start of a write: reads in flight can no longer install what they find.</summary>
    public void BeginWrite()
    {
        lock (_gate)
        {
            _generation++;
        }
    }

    /// <summary>
    /// Remembers what a write stored (or, with <see langword="null"/>, forgets the bundle after a failed write).
    /// </summary>
    public void CompleteWrite(StoredBundle? stored, long timestamp)
    {
        lock (_gate)
        {
            _generation++;
            if (!_evicted)
            {
                _known = stored;
                _knownAt = timestamp;
            }
        }
    }

    /// <summary>Gets the flight for <paramref name="refreshToken"/> that is running, or that completed with a bundle still usable.</summary>
    /// <param name="refreshToken">The refresh token the caller would present.</param>
    /// <param name="usable">Whether a completed refresh's bundle is still usable.</param>
    /// <param name="start">Starts a new flight when there is none to join.</param>
    public RefreshFlight JoinOrStart(string refreshToken, Func<OAuthTokenBundle, bool> usable, Func<RefreshFlight> start)
    {
        lock (_gate)
        {
            if (_flight is { } flight && string.Equals(flight.RefreshToken, refreshToken, StringComparison.Ordinal))
            {
                var task = flight.Task;
                if (!task.IsCompleted || (task.IsCompletedSuccessfully && usable(task.Result)))
                {
                    return flight;
                }
            }

            var started = start();
            if (!_evicted)
            {
                _flight = started;
            }

            return started;
        }
    }

    /// <summary>Remembers that a refresh of <paramref name="from"/> was answered with a new refresh token (in <paramref name="successor"/>).</summary>
    public void RecordRotation(string from, OAuthTokenBundle successor)
    {
        lock (_gate)
        {
            if (_evicted)
            {
                return;
            }

            if (_rotations.Count == MaxRotations)
            {
                _rotations.RemoveAt(0);
            }

            _rotations.Add((from, successor));
        }
    }

    /// <summary>
    /// Gets what replaced <paramref name="refreshToken"/> when this process rotated it away (it is consumed: presenting
    /// it again would trip a server's reuse detection).
    /// </summary>
    public bool TryGetSuccessor(string refreshToken, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out OAuthTokenBundle? successor)
    {
        lock (_gate)
        {
            for (var i = _rotations.Count - 1; i >= 0; i--)
            {
                if (string.Equals(_rotations[i].From, refreshToken, StringComparison.Ordinal))
                {
                    successor = _rotations[i].Successor;
                    return true;
                }
            }
        }

        successor = null;
        return false;
    }

    /// <summary>Marks the state as evicted: its bundle and flight are forgotten and nothing is installed any more.</summary>
    public void Evict()
    {
        lock (_gate)
        {
            _evicted = true;
            _generation++;
            _known = null;
            _flight = null;
            _rotations.Clear();
        }
    }

    /// <summary>Whether the state can be dropped to bound memory: nothing running, nothing learned recently.</summary>
    public bool IsIdle(TimeProvider timeProvider, TimeSpan maxAge)
    {
        lock (_gate)
        {
            return _flight is not { Task.IsCompleted: false } && timeProvider.GetElapsedTime(_knownAt) > maxAge;
        }
    }
}
