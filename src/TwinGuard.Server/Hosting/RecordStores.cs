using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>Which records store a serve uses: the cluster's PostgreSQL when the cluster file names one, else SQLite in the data directory.</summary>
internal static class RecordStores
{
    /// <summary>True when the records are shared by the cluster's silos (not in this data directory).</summary>
    public static bool IsShared(HostSettings settings) => settings.Cluster?.Records is not null;

    /// <summary>Opens the store to write (creating it when missing).</summary>
    public static IRecordStore Open(HostSettings settings) =>
        settings.Cluster?.Records is { } records ? records.Open() : PlantStore.Open(settings.DataDirectory);

    /// <summary>
    /// The quarantines, approvals and actions: the cluster's PostgreSQL when the cluster file names one (every silo the
    /// same rows), else <c>twinguard.db</c> in <paramref name="dataDirectory"/>.
    /// </summary>
    public static ResponseStore OpenResponses(string dataDirectory, RecordsConnection? records, TimeProvider time) =>
        records is null ? ResponseStore.Open(dataDirectory, time) : ResponseStore.Open(records.OpenDatabase(), time);

    /// <summary>API keys and the operator journal's database: the cluster's PostgreSQL, or <c>operator.db</c> in the data directory.</summary>
    public static RecordsDatabase OpenOperator(HostSettings settings) => OperatorDatabase.Open(settings.DataDirectory, settings.Cluster?.Records);

    /// <summary>Opens the store to read; null when a single node's database does not exist yet.</summary>
    public static IRecordStore? OpenForReading(HostSettings settings)
    {
        if (settings.Cluster?.Records is { } records)
        {
            return records.Open();
        }

        return File.Exists(Path.Combine(settings.DataDirectory, PlantStore.FileName)) ? PlantStore.Open(settings.DataDirectory, readOnly: true) : null;
    }
}
