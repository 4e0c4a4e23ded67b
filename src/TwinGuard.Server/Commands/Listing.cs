using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace TwinGuard.Server.Commands;

/// <summary>
/// How the listing commands (<c>findings</c>, <c>incidents</c>, <c>quarantine list</c>, <c>approvals list</c>,
/// <c>keys list</c>) print their rows: one JSON document alone on stdout with <c>--json</c>, else a table whose cells
/// are escaped, since the rows hold text that devices and peers wrote.
/// </summary>
internal static class Listing
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Prints <paramref name="rows"/> and returns the command's exit code (0).</summary>
    /// <param name="json">Whether <c>--json</c> was given.</param>
    /// <param name="rows">What to list, in order.</param>
    /// <param name="columns">The table's column headers.</param>
    /// <param name="cells">A row's cells, one per column; null prints as <c>-</c>.</param>
    /// <param name="asJson">What a row is in JSON, when not the row itself.</param>
    /// <param name="jsonOptions">How to write the JSON, when not web defaults, indented.</param>
    public static int Print<T>(bool json, IReadOnlyList<T> rows, string[] columns, Func<T, object?[]> cells, Func<T, object>? asJson = null,
        JsonSerializerOptions? jsonOptions = null)
    {
        if (json)
        {
            jsonOptions ??= JsonOptions;
            Console.WriteLine(asJson is null ? JsonSerializer.Serialize(rows, jsonOptions) : JsonSerializer.Serialize(rows.Select(asJson), jsonOptions));
            return 0;
        }

        var table = new Table().AddColumns(columns);
        foreach (var row in rows)
        {
            table.AddRow(cells(row).Select(v => Markup.Escape(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "-")).ToArray());
        }

        AnsiConsole.Write(table);
        return 0;
    }
}
