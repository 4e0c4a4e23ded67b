namespace TwinGuard.Server.Api;

/// <summary>A single-use ticket for <c>GET /api/events?ticket=…</c>.</summary>
/// <param name="Ticket">The ticket.</param>
/// <param name="Expires">When it stops working if unused.</param>
internal sealed record TicketView(string Ticket, DateTimeOffset Expires);
