using System.Data.Common;
using System.Security.Cryptography;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Access;

/// <summary>
/// API keys in <c>operator.db</c> under the data directory. Only a SHA-256 hash of each token is kept: the token is
/// shown once, when the key is made, and a stolen database does not let anyone in.
/// </summary>
/// <remarks>
/// <para>A token is <c>tgk_ID_SECRET</c>: a public id to find the record and 256 random bits, a
/// <see cref="GeneratedSecret"/> as a device's generated secret is. A fast hash is enough for a secret of that entropy
/// (nothing to brute-force, unlike a password); the comparison is constant-time.</para>
/// <para>Serve and the CLI open the same file (WAL, five-second busy timeout), so <c>twinguard keys revoke</c> takes
/// effect on the next request of a running serve. In a cluster with a records store the keys are the cluster's
/// PostgreSQL rows: a key made or revoked through any silo (or the CLI given <c>--cluster</c>) holds on every silo.
/// Thread-safe (<see cref="RecordsDatabase"/>).</para>
/// </remarks>
internal sealed class ApiKeyStore : IDisposable
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "operator.db";

    private const string Prefix = "tgk_";
    private const string Columns = "id, name, role, site, created_ms, created_by, revoked_ms, revoked_by";
    private readonly RecordsDatabase _db;
    private readonly TimeProvider _time;

    private ApiKeyStore(RecordsDatabase db, TimeProvider time)
    {
        _db = db;
        _time = time;
    }

    /// <summary>Opens (creating when needed) the key store of a data directory.</summary>
    public static ApiKeyStore Open(string dataDirectory, TimeProvider? time = null) => Open(OperatorDatabase.Open(dataDirectory), time);

    /// <summary>Opens (creating its table when needed) the key store in <paramref name="db"/>, which it then owns.</summary>
    public static ApiKeyStore Open(RecordsDatabase db, TimeProvider? time = null)
    {
        try
        {
            db.CreateSchema(
                """
                CREATE TABLE IF NOT EXISTS api_keys (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, site TEXT, hash BLOB NOT NULL,
                    created_ms INTEGER NOT NULL, created_by TEXT NOT NULL, revoked_ms INTEGER, revoked_by TEXT,
                    created_entry INTEGER, revoked_entry INTEGER);
                """,
                """
                CREATE TABLE IF NOT EXISTS api_keys (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, site TEXT, hash BYTEA NOT NULL,
                    created_ms BIGINT NOT NULL, created_by TEXT NOT NULL, revoked_ms BIGINT, revoked_by TEXT,
                    created_entry BIGINT, revoked_entry BIGINT);
                """);
            if (!db.IsPostgres)
            {
                AddLedgerColumns(db);
            }
        }
        catch
        {
            db.Dispose();
            throw;
        }

        return new ApiKeyStore(db, time ?? TimeProvider.System);
    }

    /// <summary>
    /// Keys whose making or revoking the ledger has not recorded yet (made or revoked with the CLI, or by serve's
    /// first-admin bootstrap), oldest first, with which of the two is pending.
    /// </summary>
    public IReadOnlyList<(ApiKey Key, bool Creation, bool Revocation)> Unrecorded()
    {
        return _db.Query($"""
            SELECT {Columns}, created_entry IS NULL, revoked_ms IS NOT NULL AND revoked_entry IS NULL FROM api_keys
            WHERE created_entry IS NULL OR (revoked_ms IS NOT NULL AND revoked_entry IS NULL) ORDER BY created_ms, id
            """, reader => (Read(reader), reader.GetBoolean(8), reader.GetBoolean(9)));
    }

    /// <summary>Notes the ledger entry that records a key's making (or its revoking).</summary>
    public void MarkRecorded(string id, bool revocation, long ledgerEntry)
    {
        _db.Execute($"UPDATE api_keys SET {(revocation ? "revoked_entry" : "created_entry")} = @e WHERE id = @id", ("@e", ledgerEntry), ("@id", id));
    }

    /// <summary>Databases made before keys were recorded in the ledger lack the two entry columns.</summary>
    private static void AddLedgerColumns(RecordsDatabase db)
    {
        foreach (var column in (string[])["created_entry", "revoked_entry"])
        {
            if (db.Scalar("SELECT COUNT(*) FROM pragma_table_info('api_keys') WHERE name = @c", ("@c", column)) == 0)
            {
                try
                {
                    db.Execute($"ALTER TABLE api_keys ADD COLUMN {column} INTEGER");
                }
                catch (DbException ex) when (ex.Message.Contains("duplicate column", StringComparison.OrdinalIgnoreCase))
                {
                    // The CLI and serve opened the file at the same moment; the other one added it.
                }
            }
        }
    }

    /// <summary>Makes a key; the returned token is the only copy of its secret.</summary>
    public NewApiKey Create(string name, ApiRole role, string? site, string createdBy)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 64 || name.Any(char.IsControl))
        {
            throw new FormatException("a key's name must be 1 to 64 printable characters");
        }

        if (site is not null && (site.Length is 0 or > 64 || site.Any(char.IsControl)))
        {
            throw new FormatException("a key's site must be 1 to 64 printable characters");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var token = GeneratedSecret.New(TokenPrefix(id));
        var now = _time.GetUtcNow();
        _db.Execute("""
            INSERT INTO api_keys (id, name, role, site, hash, created_ms, created_by) VALUES (@id, @n, @r, @s, @h, @c, @b)
            """,
            ("@id", id), ("@n", name.Trim()), ("@r", role.Name()), ("@s", site), ("@h", Hash(token)), ("@c", now.ToUnixTimeMilliseconds()), ("@b", createdBy));

        return new NewApiKey(new ApiKey(id, name.Trim(), role, site, now, createdBy, null, null), token);
    }

    /// <summary>The active key a token belongs to, or null when the token is malformed, unknown or revoked.</summary>
    public ApiKey? Validate(string token)
    {
        if (!TryParseId(token, out var id))
        {
            return null;
        }

        if (_db.Query($"SELECT {Columns}, hash FROM api_keys WHERE id = @id", r => (Key: Read(r), Hash: (byte[])r.GetValue(8)), ("@id", id)) is not [var (key, hash)])
        {
            return null;
        }

        return key.IsActive && GeneratedSecret.Matches(token, TokenPrefix(id), [], hash) ? key : null;
    }

    /// <summary>One key by id (active or revoked), or null.</summary>
    public ApiKey? Find(string id) => Query("WHERE id = @id", ("@id", id)).FirstOrDefault();

    /// <summary>Every key, oldest first; revoked ones only when asked.</summary>
    public IReadOnlyList<ApiKey> List(bool includeRevoked = false) => Query(includeRevoked ? string.Empty : "WHERE revoked_ms IS NULL");

    /// <summary>True when no active admin key exists (a fresh data directory).</summary>
    public bool HasNoAdmin() => !List().Any(k => k.Role == ApiRole.Admin);

    /// <summary>Revokes a key; false when it is unknown or already revoked.</summary>
    public bool Revoke(string id, string revokedBy)
    {
        return _db.Execute(
            "UPDATE api_keys SET revoked_ms = @t, revoked_by = @b WHERE id = @id AND revoked_ms IS NULL",
            ("@t", _time.GetUtcNow().ToUnixTimeMilliseconds()), ("@b", revokedBy), ("@id", id)) == 1;
    }

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();

    /// <summary>The public id of a well-formed token.</summary>
    public static bool TryParseId(string token, out string id)
    {
        id = string.Empty;
        if (token.Length != Prefix.Length + 12 + 1 + GeneratedSecret.RandomLength || !token.StartsWith(Prefix, StringComparison.Ordinal) || token[Prefix.Length + 12] != '_')
        {
            return false;
        }

        id = token.Substring(Prefix.Length, 12);
        return id.All(char.IsAsciiHexDigitLower);
    }

    private List<ApiKey> Query(string where, params (string, object?)[] parameters)
    {
        return _db.Query($"SELECT {Columns} FROM api_keys {where} ORDER BY created_ms, id", Read, parameters);
    }

    private static ApiKey Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), ApiRoles.Parse(r.GetString(2)), r.IsDBNull(3) ? null : r.GetString(3),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetString(5),
        r.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.IsDBNull(7) ? null : r.GetString(7));

    /// <summary>What a key's token starts with: the whole token is the <see cref="GeneratedSecret"/>, hashed without a salt (the random id keeps digests apart).</summary>
    private static string TokenPrefix(string id) => $"{Prefix}{id}_";

    private static byte[] Hash(string token) => GeneratedSecret.Digest(token, []);
}
