using System.Net.Http.Json;
using System.Text.Json;
using TwinGuard.Testing;

namespace TwinGuard.Server.Tests.Api;

/// <summary>Waits, through <c>/api/findings</c>, for findings the correlate stage has stored.</summary>
internal static class StoredFindings
{
    /// <summary>The id of the newest finding of this reason (and signal, when given), once at least <paramref name="count"/> are stored.</summary>
    public static async Task<long> IdAsync(HttpClient client, string reason, string? signal = null, int count = 1)
    {
        var findings = await Eventually.HoldsAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/findings").GetAwaiter().GetResult().EnumerateArray()
                .Where(f => f.GetProperty("reason").GetString() == reason && (signal is null || f.GetProperty("signalId").GetString() == signal)).ToList(),
            list => list.Count >= count, TimeSpan.FromSeconds(20), $"{count} {reason} finding(s)");
        return findings[0].GetProperty("id").GetInt64();
    }
}
