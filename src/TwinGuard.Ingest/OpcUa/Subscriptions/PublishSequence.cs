namespace TwinGuard.Ingest.OpcUa.Subscriptions;

/// <summary>
/// Follows the sequence numbers of one subscription's notification messages (OPC 10000-4 §5.13.1.1, §7.26): each
/// message carries the previous one plus one; a keep-alive carries the next number without using it.
/// </summary>
internal sealed class PublishSequence
{
    private uint? _last;

    /// <summary>The last sequence number consumed, if any.</summary>
    public uint? Last => _last;

    /// <summary>
    /// Takes a message's number; returns the numbers skipped before it (empty when in order), or null when it goes back
    /// (a rollback: a number at or below one already consumed).
    /// </summary>
    public IReadOnlyList<uint>? Observe(uint sequenceNumber, bool keepAlive, int maxMissing)
    {
        // A keep-alive announces the next number: the message before it is the last that was sent.
        var consumed = keepAlive ? sequenceNumber - 1 : sequenceNumber;
        if (_last is not { } last)
        {
            _last = consumed;
            return [];
        }

        if (consumed == last && keepAlive)
        {
            return [];
        }

        // §5.13.1.1: the number wraps from 4 294 967 295 to 1 (0 is never used).
        var expected = last == uint.MaxValue ? 1u : last + 1;
        if (consumed == expected)
        {
            _last = consumed;
            return [];
        }

        var distance = consumed - expected; // unsigned: how far ahead, modulo the wrap
        if (distance > int.MaxValue || consumed == last)
        {
            return null;
        }

        _last = consumed;
        var missing = new List<uint>();
        for (var n = expected; n != consumed && missing.Count < maxMissing; n = n == uint.MaxValue ? 1 : n + 1)
        {
            missing.Add(n);
        }

        if (keepAlive)
        {
            missing.Add(consumed);
        }

        return missing;
    }
}
