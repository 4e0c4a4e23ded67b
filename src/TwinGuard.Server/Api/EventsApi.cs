using System.Net.ServerSentEvents;
using TwinGuard.Server.Access;

namespace TwinGuard.Server.Api;

/// <summary>
/// <c>/api/events</c>: live updates as server-sent events (<c>state</c> every second, <c>finding</c>, <c>incident</c>,
/// <c>action</c> as they happen). A browser gets a single-use ticket with its key first, since <c>EventSource</c> cannot send headers.
/// </summary>
internal static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/events").WithTags("live").RequireAuthorization(AccessPolicies.Viewer);
        group.MapPost("/ticket", (HttpContext context, EventTickets tickets) =>
            {
                var (ticket, expires) = tickets.Issue(context.Key());
                return TypedResults.Ok(new TicketView(ticket, expires));
            }).WithSummary("A single-use ticket for GET /api/events?ticket=...");
        group.MapGet("/", (LiveEvents live, CancellationToken cancellationToken) =>
                TypedResults.ServerSentEvents(live.SubscribeAsync(cancellationToken)))
            .WithSummary("Server-sent events: state, finding, incident, action");
        return api;
    }
}
