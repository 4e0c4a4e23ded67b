namespace TwinGuard.Twins.Gate;

/// <summary>
/// What one connection's receive loop let through while more of its bytes were already read: the lanes it filled are
/// handed to the thread pool once its read buffer is empty, so that what one read of the socket brought is one ledger
/// entry and one twin entry, recorded and judged on another core while the connection reads on.
/// </summary>
/// <remarks>
/// <para>Why batches: a lane run for every message makes every message its own ledger entry and twin entry. Bytes
/// already read say that the next message is already here: its lane waits for it, for the microseconds its parse
/// takes, and no longer. A message that comes alone (nothing deferred before it, nothing buffered after it) runs its
/// lane at once on the caller's thread: a paced device's reading goes through with no wait, no hop and no threshold.</para>
/// <para>Why the hand-off: run on the connection's own thread, a burst's ledger entry and twin entry (about two thirds of
/// a reading's cost through the broker) ran one after the other with the parsing of the next read, on one core, while
/// the other core idled. Handed to the pool, the connection parses the next read while its last one is recorded and
/// judged. A lane runs on one thread at a time, so its messages keep their order; a connection that outruns its lane
/// meets the lane's bounded queue (back-pressure on that connection only).</para>
/// <para>A batch holds at most <see cref="MaxMessages"/> messages and <see cref="MaxLanes"/> lanes; the message that
/// fills it hands it over. Not thread-safe: one connection's receive loop uses it, one packet after the other; the
/// transport calls <see cref="Flush"/> before it waits for the socket, when its connection ends, and before it holds a
/// connection.</para>
/// </remarks>
/// <param name="moreBuffered">True while the transport holds bytes of this connection that it has read and not yet parsed.</param>
public sealed class ReceiveBatch(Func<bool> moreBuffered)
{
    /// <summary>Messages in a batch at most (the deferred ones and the one that hands them over): a lane's largest batch.</summary>
    public const int MaxMessages = 512;

    /// <summary>Lanes deferred at most at once (a connection usually publishes for one asset, a gateway for a few).</summary>
    public const int MaxLanes = 8;

    private readonly Action?[] _runs = new Action?[MaxLanes];
    private int _lanes;
    private int _messages;

    /// <summary>Messages deferred now.</summary>
    public int Deferred => _messages;

    /// <summary>
    /// Leaves <paramref name="run"/> (a lane's run, the same delegate for every message of that lane) to the batch: deferred
    /// while more bytes of the connection are buffered and the batch has room; handed to the thread pool with the rest of
    /// the batch when this message ends a burst (the buffer is empty) or fills the batch.
    /// </summary>
    /// <returns>False when the caller runs its lane now: a message that came alone, or a ninth lane (after the others
    /// were handed over, so that they go first).</returns>
    public bool TryDefer(Action run)
    {
        var known = Array.IndexOf(_runs, run, 0, _lanes) >= 0;
        if (!known && _lanes == MaxLanes)
        {
            Flush();
            return false;
        }

        var more = _messages < MaxMessages - 1 && moreBuffered();
        if (!more && _messages == 0)
        {
            return false; // alone: no batch to form, no hop to pay
        }

        if (!known)
        {
            _runs[_lanes++] = run;
        }

        _messages++;
        if (!more)
        {
            Flush(); // the message that ends a burst or fills the batch hands it over with it
        }

        return true;
    }

    /// <summary>Hands every deferred lane to the thread pool, in the order they were first deferred.</summary>
    public void Flush()
    {
        var lanes = _lanes;
        (_lanes, _messages) = (0, 0);
        for (var i = 0; i < lanes; i++)
        {
            var run = _runs[i]!;
            _runs[i] = null;
            ThreadPool.UnsafeQueueUserWorkItem(static run => run(), run, preferLocal: false);
        }
    }
}
