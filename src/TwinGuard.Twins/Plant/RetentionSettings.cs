namespace TwinGuard.Twins.Plant;

/// <summary>
/// The <c>retention:</c> section: how long and how much evidence is kept in the data directory. Whatever is removed is
/// first recorded by one <c>retention</c> ledger entry per kind and run (count, id or file range, digest); the ledger
/// itself is never pruned, so every removed finding stays provable through its own ledger entry.
/// </summary>
/// <param name="Interval">Time between pruning runs (one runs at start too).</param>
/// <param name="Refusals">The <c>refusals</c> table (kept payloads included).</param>
/// <param name="Findings">The <c>findings</c> table; findings of an open incident are kept whatever their age.</param>
/// <param name="Reports">Incident report files under <c>reports/</c>.</param>
/// <remarks>The SIEM forward queues are bounded by size where they are written (64 MiB per notifier) and by age here (<see cref="ForwardQueueMaxAge"/>).</remarks>
public sealed record RetentionSettings(TimeSpan Interval, RetentionRule Refusals, RetentionRule Findings, RetentionRule Reports)
{
    /// <summary>
    /// Without a section: refusals 90 days and 1 GiB, findings 400 days, reports 400 days and 1 GiB; checked hourly.
    /// </summary>
    public static RetentionSettings Default { get; } = new(
        TimeSpan.FromHours(1),
        new RetentionRule(TimeSpan.FromDays(90), 1L << 30, null),
        new RetentionRule(TimeSpan.FromDays(400), null, null),
        new RetentionRule(TimeSpan.FromDays(400), 1L << 30, null));

    /// <summary>
    /// The SIEM forward queues (<c>retention.forward_queues.max_age</c>): a message older than this when its turn comes
    /// is dropped unsent and counted; their size is bounded where they are written (64 MiB per notifier).
    /// </summary>
    public TimeSpan? ForwardQueueMaxAge { get; init; } = TimeSpan.FromDays(30);
}
