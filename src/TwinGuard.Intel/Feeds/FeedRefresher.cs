using TwinGuard.Intel.Formats;
using TwinGuard.Intel.Index;
using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Feeds;

/// <summary>
/// Keeps a set of feeds fresh on a schedule and the <see cref="IocIndex"/> built from them current.
/// </summary>
/// <remarks>
/// Each feed is refreshed on its own: one that fails, or that is malformed, never stops the others. A failed refresh
/// keeps the feed's last good copy in the index and says so in <see cref="Statuses"/>. With a <see cref="FeedStore"/>
/// the good copies survive restarts (<see cref="LoadStored"/>). The index is swapped atomically; readers take
/// <see cref="Index"/> and are never blocked.
/// </remarks>
public sealed class FeedRefresher
{
    private readonly FeedFetcher _fetcher;
    private readonly FeedRefresherOptions _options;
    private readonly FeedStore? _store;
    private readonly Dictionary<string, FeedState> _feeds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<Indicator>> _pushed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly Lock _rebuilding = new();
    private IocIndex _index;

    /// <summary>Creates a refresher.</summary>
    /// <param name="sources">The feeds.</param>
    /// <param name="http">The HTTP client for URL feeds.</param>
    /// <param name="options">Schedule, retries, decay and clock.</param>
    /// <param name="store">Where good copies are kept; null to keep them in memory only.</param>
    public FeedRefresher(IEnumerable<FeedSource> sources, HttpClient http, FeedRefresherOptions? options = null, FeedStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _options = options ?? new FeedRefresherOptions();
        _fetcher = new FeedFetcher(http, _options.TimeProvider, _options.Retry, _options.Limits);
        _store = store;
        foreach (var source in sources)
        {
            _feeds[source.Id] = new FeedState(source) { Status = new FeedStatus(source.Id, source.Location) };
        }

        _index = IocIndex.Build([], IndexOptions);
    }

    /// <summary>Raised after the index has been rebuilt.</summary>
    public event EventHandler<IocIndex>? IndexChanged;

    /// <summary>Time between refresh rounds in <see cref="RunAsync"/>.</summary>
    public TimeSpan Interval => _options.Interval;

    /// <summary>The current index.</summary>
    public IocIndex Index => Volatile.Read(ref _index);

    /// <summary>Every feed's status.</summary>
    public IReadOnlyList<FeedStatus> Statuses
    {
        get
        {
            lock (_feeds)
            {
                return _feeds.Values.Select(f => f.Status).ToArray();
            }
        }
    }

    private IocIndexOptions IndexOptions => _options.Index with { TimeProvider = _options.TimeProvider };

    /// <summary>Adds a feed; it is fetched on the next refresh.</summary>
    /// <returns>False if a feed with that id is already there.</returns>
    public bool Add(FeedSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_feeds)
        {
            return _feeds.TryAdd(source.Id, new FeedState(source) { Status = new FeedStatus(source.Id, source.Location) });
        }
    }

    /// <summary>
    /// Sets the indicators of a feed that is pushed rather than fetched (a peer site's, docs/sharing.md): they join the
    /// index at once, replacing that feed's earlier ones, and no refresh ever fetches it.
    /// </summary>
    public void Publish(string feedId, IReadOnlyList<Indicator> indicators)
    {
        ArgumentNullException.ThrowIfNull(indicators);
        lock (_feeds)
        {
            _pushed[feedId] = indicators;
        }

        Rebuild();
    }

    /// <summary>Removes a feed and its indicators from the index (its stored copy stays until the store removes it).</summary>
    /// <returns>Whether it was there.</returns>
    public bool Remove(string feedId)
    {
        bool removed;
        lock (_feeds)
        {
            removed = _feeds.Remove(feedId);
        }

        if (removed)
        {
            Rebuild();
        }

        return removed;
    }

    /// <summary>Loads every feed's last good copy from the store, so the index is useful before the first refresh.</summary>
    /// <returns>The statuses after loading.</returns>
    public IReadOnlyList<FeedStatus> LoadStored()
    {
        if (_store is null)
        {
            return Statuses;
        }

        var stored = _store.List().ToDictionary(f => f.Source.Id, f => f.Status, StringComparer.Ordinal);
        FeedState[] states;
        lock (_feeds)
        {
            states = [.. _feeds.Values];
        }

        foreach (var state in states)
        {
            if (!stored.TryGetValue(state.Source.Id, out var status))
            {
                continue;
            }

            try
            {
                if (_store.LoadSnapshot(state.Source.Id) is { } snapshot)
                {
                    var content = FeedParser.Parse(state.Source.Id, snapshot);
                    lock (_feeds)
                    {
                        (state.Snapshot, state.Content, state.Status) = (snapshot, content, status);
                    }
                }
            }
            catch (InvalidDataException ex)
            {
                lock (_feeds)
                {
                    state.Status = status with { LastError = ex.Message };
                }
            }
        }

        Rebuild();
        return Statuses;
    }

    /// <summary>Refreshes every feed once, then rebuilds the index if anything changed.</summary>
    /// <param name="cancellationToken">Stops the refresh.</param>
    /// <returns>Every feed's status.</returns>
    public async Task<IReadOnlyList<FeedStatus>> RefreshAllAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var changed = false;
            FeedState[] states;
            lock (_feeds)
            {
                states = [.. _feeds.Values];
            }

            foreach (var state in states)
            {
                changed |= await RefreshAsync(state, cancellationToken);
            }

            if (changed)
            {
                Rebuild();
            }

            return Statuses;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Refreshes every <see cref="FeedRefresherOptions.Interval"/> until cancelled, starting at once.</summary>
    /// <param name="cancellationToken">Stops the schedule.</param>
    /// <returns>A task that ends when cancelled.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await RefreshAllAsync(cancellationToken);
            await Task.Delay(_options.Interval, _options.TimeProvider, cancellationToken);
        }
    }

    private async Task<bool> RefreshAsync(FeedState state, CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        FeedStatus status;
        var changed = false;
        try
        {
            var result = await _fetcher.FetchAsync(state.Source, state.Snapshot, cancellationToken);
            var content = result.NotModified && state.Content is not null
                ? state.Content
                : FeedParser.Parse(state.Source.Id, result.Snapshot);
            status = new FeedStatus(state.Source.Id, state.Source.Location)
            {
                LastSuccess = result.Snapshot.FetchedAt,
                LastAttempt = now,
                NotModified = result.NotModified,
                Indicators = content.Indicators.Count,
                Ignored = content.Ignored,
                Issues = content.Issues,
            };
            if (result.NotModified)
            {
                _store?.SaveStatus(state.Source, status);
            }
            else
            {
                _store?.Save(state.Source, result.Snapshot, status);
                changed = true;
            }

            lock (_feeds)
            {
                (state.Snapshot, state.Content, state.Status) = (result.Snapshot, content, status);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong with this feed, the others still refresh and its last good copy stays in use.
            status = state.Status with
            {
                LastAttempt = now,
                LastError = ex is FeedFetchException or IOException or InvalidDataException or UnauthorizedAccessException
                    ? ex.Message
                    : $"{ex.GetType().Name}: {ex.Message}",
                NotModified = false,
            };
            lock (_feeds)
            {
                state.Status = status;
            }

            try
            {
                _store?.SaveStatus(state.Source, status);
            }
            catch (IOException)
            {
                // The status lives on in memory; the store is reported broken by the next successful save failing.
            }
        }

        return changed;
    }

    private void Rebuild()
    {
        IocIndex index;

        // One rebuild at a time, so a slower one never replaces a newer index with an older set of feeds.
        lock (_rebuilding)
        {
            IEnumerable<Indicator> indicators;
            lock (_feeds)
            {
                indicators = _feeds.Values.Where(f => f.Content is not null).SelectMany(f => f.Content!.Indicators).Concat(_pushed.Values.SelectMany(p => p)).ToArray();
            }

            index = IocIndex.Build(indicators, IndexOptions, Index);
            Volatile.Write(ref _index, index);
        }

        IndexChanged?.Invoke(this, index);
    }

    private sealed class FeedState(FeedSource source)
    {
        public FeedSource Source { get; } = source;

        public FeedSnapshot? Snapshot { get; set; }

        public FeedContent? Content { get; set; }

        public required FeedStatus Status { get; set; }
    }
}
