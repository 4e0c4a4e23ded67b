using System.Globalization;
using System.Net;

namespace TwinGuard.Twins.Plant;

/// <summary>Reads a cluster file (docs/cluster.md) with file:line:column errors, like the plant model.</summary>
public static class ClusterModelLoader
{
    /// <summary>Loads and checks a cluster file.</summary>
    /// <exception cref="PlantModelException">The file is not a valid cluster file.</exception>
    public static ClusterModel Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses and checks cluster file text; <paramref name="file"/> names it in errors.</summary>
    /// <exception cref="PlantModelException">The text is not a valid cluster file.</exception>
    public static ClusterModel Parse(string yaml, string file = "cluster.yaml")
    {
        var root = YamlField.LoadDocument(yaml, file);
        root.AllowOnly("cluster", "membership", "grain_storage", "silo", "persistence", "ledger", "records");

        var cluster = root.Required("cluster");
        cluster.AllowOnly("id", "service");
        var membership = root.Required("membership");
        membership.AllowOnly("redis");
        var membershipRedis = membership.Required("redis").String();
        var stateRedis = membershipRedis;
        if (root.Optional("grain_storage") is { } storage)
        {
            storage.AllowOnly("redis");
            stateRedis = storage.Required("redis").String();
        }

        var silo = root.Required("silo");
        silo.AllowOnly("address", "port", "gateway_port");
        var addressField = silo.Required("address");
        if (!IPAddress.TryParse(addressField.String(), out var address))
        {
            throw addressField.Error($"expected an IP address other silos can reach, found '{addressField.String()}'");
        }

        var snapshotEvery = TimeSpan.FromSeconds(10);
        var persist = true;
        if (root.Optional("persistence") is { } persistence)
        {
            persistence.AllowOnly("snapshot_every", "enabled");
            snapshotEvery = persistence.Optional("snapshot_every")?.Duration() ?? snapshotEvery;
            persist = persistence.Optional("enabled")?.Boolean() ?? true;
        }

        string? ledgerDirectory = null;
        if (root.Optional("ledger") is { } ledger)
        {
            ledger.AllowOnly("directory");
            var directory = ledger.Required("directory").String();
            if (directory.Length == 0)
            {
                throw ledger.Required("directory").Error("expected a directory on storage every silo reaches");
            }

            // Relative to the cluster file, like the plant model's paths.
            ledgerDirectory = Path.GetFullPath(directory, Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");
        }

        return new ClusterModel(
            cluster.Required("id").Identifier(),
            cluster.Optional("service")?.Identifier() ?? "twinguard",
            membershipRedis,
            stateRedis,
            address,
            Port(silo.Required("port")),
            Port(silo.Required("gateway_port")),
            snapshotEvery)
        {
            LedgerDirectory = ledgerDirectory,
            PersistenceEnabled = persist,
            Records = root.Optional("records") is { } records ? Records(records, file) : null,
        };
    }

    /// <summary><c>records: { postgresql: "Host=...;Database=...;Username=...", password_file: path }</c>; errors never quote the string.</summary>
    private static Record.RecordsConnection Records(YamlField records, string file)
    {
        records.AllowOnly("postgresql", "password_file");
        var field = records.Required("postgresql");
        string? password = null;
        if (records.Optional("password_file") is { } passwordField)
        {
            // Relative to the cluster file; the file holds the password alone (a trailing line feed is not part of it).
            var path = Path.GetFullPath(passwordField.String(), Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".");
            try
            {
                password = File.ReadAllText(path).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw passwordField.Error($"cannot read the password file {path}: {ex.Message}");
            }
        }

        return Record.RecordsConnection.TryCreate(field.String(), password, out var error) ?? throw field.Error(error!);
    }

    private static int Port(YamlField field)
    {
        var port = field.PositiveInteger();
        return port <= IPEndPoint.MaxPort ? port : throw field.Error(string.Create(CultureInfo.InvariantCulture, $"expected a port up to {IPEndPoint.MaxPort}, found {port}"));
    }
}
