using System.CommandLine;
using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>--data-dir DIR</c> and <c>--cluster FILE</c> of the commands that read or write the stores: with
/// <c>--cluster</c>, the cluster's records store (PostgreSQL, the rows every silo shares and its API answers from);
/// without it, the SQLite files of the data directory (a single node's).
/// </summary>
/// <param name="DataDir">The data directory option.</param>
/// <param name="Cluster">The cluster file option.</param>
internal sealed record StoreOptions(Option<DirectoryInfo> DataDir, Option<FileInfo?> Cluster)
{
    /// <summary>Both options, to add to a command.</summary>
    public static StoreOptions Create() => new(
        CommonOptions.DataDir(),
        ClusterCommand.ClusterOption("The cluster file the silos were started with: use the cluster's records store (its `records`) instead of --data-dir"));

    /// <summary>The cluster's records store, or null without <c>--cluster</c>.</summary>
    /// <exception cref="CommandLineException">The cluster file names no records store: its records are in each silo's data directory.</exception>
    public RecordsConnection? Records(ParseResult parse) => ClusterCommand.LoadCluster(parse.GetValue(Cluster)) switch
    {
        null => null,
        { Records: { } records } => records,
        _ => throw new CommandLineException("the cluster file has no `records` store: each silo keeps its records in its own data directory (give that with --data-dir)"),
    };

    /// <summary>Findings, incidents and refusals, to read.</summary>
    public IRecordStore OpenRecords(ParseResult parse) =>
        Records(parse) is { } records ? records.Open() : PlantStore.Open(parse.GetValue(DataDir)!.FullName, readOnly: true);

    /// <summary>Quarantines, approvals and actions of an existing store.</summary>
    public ResponseStore OpenResponses(ParseResult parse)
    {
        if (Records(parse) is { } records)
        {
            return ResponseStore.Open(records.OpenDatabase());
        }

        var dataDir = parse.GetValue(DataDir)!;
        return File.Exists(Path.Combine(dataDir.FullName, PlantStore.FileName))
            ? ResponseStore.Open(dataDir.FullName)
            : throw new IOException($"no TwinGuard database in {dataDir.FullName} (has `twinguard serve` run with this --data-dir?)");
    }

    /// <summary>The API keys; <paramref name="create"/> makes a data directory's key store when it has none.</summary>
    public ApiKeyStore OpenKeys(ParseResult parse, bool create)
    {
        if (Records(parse) is { } records)
        {
            return ApiKeyStore.Open(records.OpenDatabase());
        }

        var dataDir = parse.GetValue(DataDir)!;
        return create || File.Exists(Path.Combine(dataDir.FullName, ApiKeyStore.FileName))
            ? ApiKeyStore.Open(dataDir.FullName)
            : throw new CommandLineException($"no API keys in {dataDir.FullName} (make one with `twinguard keys create --role admin --data-dir {dataDir.FullName}`)");
    }
}
