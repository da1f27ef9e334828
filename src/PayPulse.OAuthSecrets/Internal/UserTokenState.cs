namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// Everything this process knows about one user's tokens, in one place: the last bundle known with its version, a
/// generation that every write and delete moves on (so that a read or write that started before another write can
/// never replace what that write produced), the user's refreshes keyed by the refresh token they present (single
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

    // Refreshes kept for joining: the running ones and the last completed ones, newest last.
    private const int MaxFlights = 4;

    // A rotation is remembered (and keeps the state from being dropped) for a token's lifetime: if its write-back
    // failed, the consumed refresh token may stay stored that long.
    private static readonly TimeSpan RotationMemory = TimeSpan.FromHours(1);

    private readonly List<(string From, OAuthTokenBundle Successor, long At)> _rotations = [];
    private readonly List<RefreshFlight> _flights = [];
    private readonly object _gate = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private long _generation;
    private int _writesInFlight;
    private StoredBundle? _known;
    private long _knownAt;
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

    /// <summary>Gets the refresh started last for the user (for tests).</summary>
    internal RefreshFlight? Flight
    {
        get
        {
            lock (_gate)
            {
                return _flights.Count == 0 ? null : _flights[^1];
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

    /// <summary>
    /// Marks the start of a write: reads in flight can no longer install what they find. Pass the ticket to
    /// <see cref="CompleteWrite"/>.
    /// </summary>
    public long BeginWrite()
    {
        lock (_gate)
        {
            _writesInFlight++;
            return ++_generation;
        }
    }

    /// <summary>
    /// Remembers what a write stored, unless another write or a delete began after it (then what is stored is no
    /// longer known: the next read finds out). <see langword="null"/> forgets the bundle (a failed write).
    /// </summary>
    public void CompleteWrite(long ticket, StoredBundle? stored, long timestamp)
    {
        lock (_gate)
        {
            _writesInFlight--;
            var latest = _generation == ticket;
            _generation++;
            if (!_evicted)
            {
                _known = latest ? stored : null;
                _knownAt = timestamp;
            }
        }
    }

    /// <summary>
    /// Joins the refresh that presents <paramref name="refreshToken"/> (running, or completed with a bundle still
    /// usable), or starts one, in one step with the check that this process has not rotated that token away: then
    /// no flight is returned and <paramref name="successor"/> is what replaced it.
    /// </summary>
    public RefreshFlight? JoinOrStart(
        string refreshToken, Func<OAuthTokenBundle, bool> usable, Func<RefreshFlight> start, out OAuthTokenBundle? successor)
    {
        lock (_gate)
        {
            for (var i = _rotations.Count - 1; i >= 0; i--)
            {
                if (string.Equals(_rotations[i].From, refreshToken, StringComparison.Ordinal))
                {
                    successor = _rotations[i].Successor;
                    return null;
                }
            }

            successor = null;
            for (var i = _flights.Count - 1; i >= 0; i--)
            {
                var flight = _flights[i];
                if (string.Equals(flight.RefreshToken, refreshToken, StringComparison.Ordinal))
                {
                    var task = flight.Task;
                    if (!task.IsCompleted || (task.IsCompletedSuccessfully && usable(task.Result)))
                    {
                        return flight;
                    }

                    _flights.RemoveAt(i);
                    break;
                }
            }

            var started = start();
            if (!_evicted)
            {
                if (_flights.Count >= MaxFlights && _flights.FindIndex(f => f.Task.IsCompleted) is var done and >= 0)
                {
                    _flights.RemoveAt(done);
                }

                _flights.Add(started);
            }

            return started;
        }
    }

    /// <summary>
    /// A task that ends once every refresh of the user running in this process now has ended, its write-back included
    /// (within the refresh's own bound), whatever its outcome. A caller given a rotated successor at once (see
    /// <see cref="JoinOrStart"/>) waits for it before reading back what was stored.
    /// </summary>
    public Task RunningRefreshesEnded()
    {
        Task[] running;
        lock (_gate)
        {
            running = [.. _flights.Where(f => !f.Task.IsCompleted).Select(f => (Task)f.Task)];
        }

        return running.Length == 0
            ? Task.CompletedTask
            : Task.WhenAll(running).ContinueWith(
                static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Remembers that a refresh of <paramref name="from"/> was answered with a new refresh token (in <paramref name="successor"/>).</summary>
    public void RecordRotation(string from, OAuthTokenBundle successor, long timestamp)
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

            _rotations.Add((from, successor, timestamp));
        }
    }

    /// <summary>
    /// Marks the state as evicted: its bundle and refreshes are forgotten and nothing is installed any more. Returns a
    /// new state that keeps only the memory of rotated-away refresh tokens: it names tokens that must never be
    /// presented again, not anything to serve, so a delete does not erase it.
    /// </summary>
    public UserTokenState Evict()
    {
        var successor = new UserTokenState();
        lock (_gate)
        {
            _evicted = true;
            _generation++;
            _known = null;
            _flights.Clear();
            successor._rotations.AddRange(_rotations);
            _rotations.Clear();
        }

        return successor;
    }

    /// <summary>
    /// Whether the state can be dropped to bound memory: no refresh, write or store running, nothing learned within
    /// <paramref name="maxAge"/>, and no refresh token rotated away within the last hour.
    /// </summary>
    public bool IsIdle(TimeProvider timeProvider, TimeSpan maxAge)
    {
        lock (_gate)
        {
            return _writesInFlight == 0 &&
                   _lifecycle.CurrentCount == 1 &&
                   _flights.TrueForAll(f => f.Task.IsCompleted) &&
                   timeProvider.GetElapsedTime(_knownAt) > maxAge &&
                   (_rotations.Count == 0 || timeProvider.GetElapsedTime(_rotations[^1].At) > RotationMemory);
        }
    }
}
