using System.Collections.Concurrent;
using PayPulse.OAuthSecrets.Internal.Serialization;

namespace PayPulse.OAuthSecrets.Internal;

/// <summary>
/// Remembers, for a short window, the document this process last read or wrote for each user, so that an update
/// right after a read costs no second read. Bounded in size; covers this process only.
/// </summary>
internal sealed class RecentBundleCache
{
    internal const int MaxEntries = 1024;

    private readonly ConcurrentDictionary<string, (TokenBundleDocument? Document, long Timestamp)> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _window;

    public RecentBundleCache(TimeProvider timeProvider, TimeSpan window)
    {
        _timeProvider = timeProvider;
        _window = window;
    }

    /// <summary>Gets the remembered document; <paramref name="document"/> is null when the user was seen to have none.</summary>
    public bool TryGet(string userId, out TokenBundleDocument? document)
    {
        document = null;
        if (_window <= TimeSpan.Zero || !_entries.TryGetValue(userId, out var entry))
        {
            return false;
        }

        if (_timeProvider.GetElapsedTime(entry.Timestamp) > _window)
        {
            _entries.TryRemove(new KeyValuePair<string, (TokenBundleDocument?, long)>(userId, entry));
            return false;
        }

        document = entry.Document;
        return true;
    }

    public void Set(string userId, TokenBundleDocument? document)
    {
        if (_window <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= MaxEntries)
        {
            Prune();
        }

        var now = _timeProvider.GetTimestamp();
        _entries.AddOrUpdate(
            userId,
            static (_, arg) => (arg.Document, arg.Now),
            static (_, existing, arg) =>
                // A read that started before this process's last write may finish after it: keep the newer bundle.
                existing.Document is { } kept && arg.Document is { } offered && offered.Bundle.CreatedAt < kept.Bundle.CreatedAt
                    ? existing
                    : (arg.Document, arg.Now),
            (Document: document, Now: now));
    }

    public void Remove(string userId) => _entries.TryRemove(userId, out _);

    private void Prune()
    {
        foreach (var (key, entry) in _entries)
        {
            if (_timeProvider.GetElapsedTime(entry.Timestamp) > _window)
            {
                _entries.TryRemove(new KeyValuePair<string, (TokenBundleDocument?, long)>(key, entry));
            }
        }

        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
    }
}
