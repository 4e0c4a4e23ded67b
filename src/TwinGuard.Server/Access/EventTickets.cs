using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace TwinGuard.Server.Access;

/// <summary>
/// Single-use, short-lived tickets that let a browser's <c>EventSource</c> (which cannot send headers) open the live
/// event stream: the key itself never appears in a URL, a proxy log or the browser's history.
/// </summary>
/// <remarks>
/// A ticket is 256 random bits bound to the key that asked for it; it works once, within
/// <see cref="AccessOptions.TicketLifetime"/>, and only if the key is still active when it is redeemed.
/// </remarks>
internal sealed class EventTickets(AccessOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (string KeyId, DateTimeOffset Expires)> _tickets = new(StringComparer.Ordinal);

    /// <summary>Issues a ticket for a key.</summary>
    public (string Ticket, DateTimeOffset Expires) Issue(ApiKey key)
    {
        var now = time.GetUtcNow();
        foreach (var (ticket, entry) in _tickets)
        {
            if (entry.Expires <= now)
            {
                _tickets.TryRemove(ticket, out _);
            }
        }

        var value = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var expires = now + options.TicketLifetime;
        _tickets[value] = (key.Id, expires);
        return (value, expires);
    }

    /// <summary>Redeems a ticket: the key id it was issued to, or null when it is unknown, used or expired.</summary>
    public string? Redeem(string ticket) =>
        _tickets.TryRemove(ticket, out var entry) && entry.Expires > time.GetUtcNow() ? entry.KeyId : null;
}
