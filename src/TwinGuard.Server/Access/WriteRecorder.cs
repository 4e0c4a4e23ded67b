using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Access;

/// <summary>
/// Records every write made through the API with who made it: as an action record in the response store (beside the
/// playbooks' actions, so an incident's timeline shows them) and as an entry in the tamper-evident ledger.
/// </summary>
/// <remarks>
/// Has its own connection to the response store (the respond stage owns the other); a lock makes it safe for
/// concurrent requests. Releases and approval executions go through <see cref="ResponseEngine"/>, which records them itself.
/// </remarks>
internal sealed class WriteRecorder(ResponseStore store, LedgerRecorder ledger) : IDisposable
{
    private readonly Lock _lock = new();

    /// <summary>The response store this recorder writes to (its own connection), for reads that must see its writes.</summary>
    public ResponseStore Store => store;

    /// <summary>Records one write; returns the action record and its ledger entry.</summary>
    public (ActionRecord Action, long LedgerEntry) Record(ApiKey key, long? incidentId, string action, string target, string detail) =>
        Record(key.Actor, incidentId, action, target, detail);

    /// <summary>Records one write made by <paramref name="actor"/> (a key's holder, <c>cli</c>, <c>serve</c>).</summary>
    public (ActionRecord Action, long LedgerEntry) Record(string actor, long? incidentId, string action, string target, string detail)
    {
        lock (_lock)
        {
            var record = store.Record(incidentId, null, action, target, ActionOutcome.Done, actor, detail, TimeSpan.Zero);
            return (record, ledger.RecordAction(record));
        }
    }

    /// <summary>Runs <paramref name="read"/> on the store under the lock.</summary>
    public T Read<T>(Func<ResponseStore, T> read)
    {
        lock (_lock)
        {
            return read(store);
        }
    }

    /// <inheritdoc />
    public void Dispose() => store.Dispose();
}
