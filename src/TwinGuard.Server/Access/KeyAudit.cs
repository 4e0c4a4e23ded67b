using Microsoft.Extensions.Hosting;

namespace TwinGuard.Server.Access;

/// <summary>
/// Records every API key made or revoked in the ledger, whoever did it: through the API (at once, before the answer),
/// with <c>twinguard keys</c> while serve runs or while it was stopped, or by serve's first-admin bootstrap.
/// </summary>
/// <remarks>
/// The CLI cannot write the ledger (serve is its only writer), so the key store notes which events the ledger holds
/// (<c>created_entry</c>, <c>revoked_entry</c>) and serve records the others at start and every
/// <see cref="Interval"/>: an access change can be late in the ledger by that much, never missing from it.
/// </remarks>
internal sealed class KeyAudit(ApiKeyStore keys, WriteRecorder writes, TimeProvider time) : BackgroundService
{
    /// <summary>How often changes made with the CLI are looked for.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();

    /// <summary>Records what the ledger lacks; returns how many events it recorded.</summary>
    public int RecordPending()
    {
        lock (_lock)
        {
            var recorded = 0;
            foreach (var (key, creation, revocation) in keys.Unrecorded())
            {
                if (creation)
                {
                    var detail = $"{key.Name}, role {key.Role.Name()}{(key.Site is { } s ? ", site " + s : string.Empty)}";
                    keys.MarkRecorded(key.Id, revocation: false, writes.Record(key.CreatedBy, null, "key: create", "key:" + key.Id, detail).LedgerEntry);
                    recorded++;
                }

                if (revocation)
                {
                    keys.MarkRecorded(key.Id, revocation: true, writes.Record(key.RevokedBy ?? "unknown", null, "key: revoke", "key:" + key.Id, key.Name).LedgerEntry);
                    recorded++;
                }
            }

            return recorded;
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                RecordPending();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
