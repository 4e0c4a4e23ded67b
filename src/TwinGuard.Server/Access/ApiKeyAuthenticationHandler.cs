using System.Text.Encodings.Web;
using TwinGuard.Server.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace TwinGuard.Server.Access;

/// <summary>
/// Authenticates a request by its API key: <c>Authorization: Bearer tgk_…</c> or <c>X-Api-Key: tgk_…</c>; the live
/// event stream alone also takes a single-use <c>?ticket=</c> (see <see cref="EventTickets"/>).
/// </summary>
/// <remarks>A malformed, unknown or revoked key fails authentication: 401 with a problem+json body that says which.</remarks>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore keys, EventTickets tickets)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    /// <summary>The path of the live event stream, the only one that accepts a ticket.</summary>
    public const string EventsPath = "/api/events";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var request = Context.Request;
        string? token = null;
        if (request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
        {
            token = authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                ? authorization["Bearer ".Length..].Trim()
                : null;
            if (token is null)
            {
                return Task.FromResult(Fail("the Authorization header must be 'Bearer <API key>'"));
            }
        }
        else if (request.Headers["X-Api-Key"].ToString() is { Length: > 0 } header)
        {
            token = header.Trim();
        }

        ApiKey? key;
        if (token is not null)
        {
            key = keys.Validate(token);
            if (key is null)
            {
                return Task.FromResult(Fail(ApiKeyStore.TryParseId(token, out _)
                    ? "the API key is unknown or has been revoked"
                    : "the API key is malformed (expected tgk_<id>_<secret>)"));
            }
        }
        else if (request.Path.Equals(EventsPath, StringComparison.Ordinal) && request.Query["ticket"].ToString() is { Length: > 0 } ticket)
        {
            key = tickets.Redeem(ticket) is { } id ? keys.Find(id) : null;
            if (key is not { IsActive: true })
            {
                return Task.FromResult(Fail("the event-stream ticket is unknown, used, expired, or its key was revoked"));
            }
        }
        else
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        Context.Items[typeof(ApiKey)] = key;
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(AccessClaims.Principal(key, SchemeName), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer realm=\"twinguard\"";
        var failure = Context.Items[typeof(AuthenticateResult)] as string;
        return Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "API key required",
            failure ?? "send an API key as 'Authorization: Bearer <key>' (create one with `twinguard keys create`)");
    }

    private AuthenticateResult Fail(string message)
    {
        Context.Items[typeof(AuthenticateResult)] = message;
        return AuthenticateResult.Fail(message);
    }
}
