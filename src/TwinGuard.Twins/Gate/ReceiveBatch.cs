namespace TwinGuard.Twins.Gate;

/// <summary>
/// What one connection's receive loop let through while more of its bytes were already read: the lanes it filled run
/// once its read buffer is empty, so that what one read of the socket brought is one ledger entry and one twin entry,
/// on the connection's own thread.
/// </summary>
/// <remarks>
/// <para>Why: a lane run for every message makes every message its own ledger entry and twin entry; a lane handed to
/// the thread pool when messages pile up batches them, but the backlog then waits for a core (arrival to finding p99
/// 4-16 ms through the broker at full rate on this project's 2-core machine). Bytes already read say that the next
/// message is already here: its lane waits for it, for the microseconds its parse takes, and no longer. A message that
/// is the last one read runs its lane at once: a paced device's reading goes through as before, with no wait and no
/// threshold to learn.</para>
/// <para>A batch holds at most <see cref="MaxMessages"/> messages and <see cref="MaxLanes"/> lanes; beyond, a lane runs at
/// once. Not thread-safe: one connection's receive loop uses it, one packet after the other; the transport calls
/// <see cref="Flush"/> before it waits for the socket, when its connection ends, and before it holds a connection.</para>
/// </remarks>
/// <param name="moreBuffered">True while the transport holds bytes of this connection that it has read and not yet parsed.</param>
public sealed class ReceiveBatch(Func<bool> moreBuffered)
{
    /// <summary>Messages in a batch at most (the deferred ones and the one that runs them): a lane's largest batch.</summary>
    public const int MaxMessages = 512;

    /// <summary>Lanes deferred at most at once (a connection usually publishes for one asset, a gateway for a few).</summary>
    public const int MaxLanes = 8;

    private readonly Action?[] _runs = new Action?[MaxLanes];
    private int _lanes;
    private int _messages;

    /// <summary>Messages deferred now.</summary>
    public int Deferred => _messages;

    /// <summary>
    /// Leaves <paramref name="run"/> (a lane's run, the same delegate for every message of that lane) to <see cref="Flush"/>
    /// when more bytes of the connection are buffered and the batch has room.
    /// </summary>
    /// <returns>False when the caller runs its lane now (after <see cref="Flush"/>, so that earlier lanes go first).</returns>
    public bool TryDefer(Action run)
    {
        // The message that fills the batch runs it: the lane then takes all of it as one batch of its own.
        if (_messages >= MaxMessages - 1 || !moreBuffered())
        {
            return false;
        }

        if (Array.IndexOf(_runs, run, 0, _lanes) < 0)
        {
            if (_lanes == MaxLanes)
            {
                return false;
            }

            _runs[_lanes++] = run;
        }

        _messages++;
        return true;
    }

    /// <summary>Runs every deferred lane, in the order they were first deferred.</summary>
    public void Flush()
    {
        var lanes = _lanes;
        (_lanes, _messages) = (0, 0);
        for (var i = 0; i < lanes; i++)
        {
            var run = _runs[i]!;
            _runs[i] = null;
            run();
        }
    }
}
