using System.Globalization;
using System.Threading.RateLimiting;
using TwinGuard.Server.Api;

namespace TwinGuard.Server.Access;

/// <summary>
/// Limits requests per API key (per remote address before authentication): a token bucket each, of
/// <see cref="AccessOptions.Burst"/> requests refilled by <see cref="AccessOptions.PerPeriod"/> every
/// <see cref="AccessOptions.Period"/>; a request beyond it is answered 429 with <c>Retry-After</c> at once (nothing queues).
/// </summary>
/// <remarks>
/// Our own middleware rather than ASP.NET Core's <c>UseRateLimiter</c>: that one keeps a limiter of its own whose
/// replenishment timer is never disposed, and so roots the whole stopped application (its silo, broker and stages) for
/// the life of the process. This one is a singleton the host disposes, and its buckets' timer with it. Idle buckets are
/// dropped by the limiter, so addresses that come and go do not grow it.
/// </remarks>
internal sealed class RequestRateLimiter(AccessOptions options) : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext> _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
    {
        var partition = context.User.FindFirst(AccessClaims.KeyId)?.Value is { } keyId
            ? "key:" + keyId
            : "address:" + context.Connection.RemoteIpAddress;
        return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = options.PerPeriod,
            ReplenishmentPeriod = options.Period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    });

    /// <summary>Passes the request on if its bucket has a token, else answers 429.</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        using var lease = _limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            await next(context);
            return;
        }

        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(options.Period.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await Problems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
            string.Create(CultureInfo.InvariantCulture, $"this key may make {options.Burst} requests at once and {options.PerPeriod} more every {options.Period.TotalSeconds:0.###} s"));
    }

    public void Dispose() => _limiter.Dispose();
}
