using System.Data.Common;

namespace TwinGuard.Twins.Record;

/// <summary>Parameterised commands on any ADO.NET connection (SQLite or PostgreSQL), for the SQL both stores share.</summary>
/// <remarks>Parameters are named <c>@name</c>, which both Microsoft.Data.Sqlite and Npgsql bind; a null binds SQL NULL.</remarks>
internal static class DbCommands
{
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = cmd.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(parameter);
        }

        return cmd;
    }

    public static int Execute(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, sql, parameters);
        return cmd.ExecuteNonQuery();
    }

    public static List<T> Query<T>(DbConnection connection, string sql, Func<DbDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, sql, parameters);
        using var reader = cmd.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public static long? Scalar(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var cmd = Command(connection, sql, parameters);
        return cmd.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
