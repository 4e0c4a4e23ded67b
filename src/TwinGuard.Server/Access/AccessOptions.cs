namespace TwinGuard.Server.Access;

/// <summary>Limits of the API's access control.</summary>
/// <remarks>A singleton: change it before the first request (tests do); rate-limit buckets are made on a key's first request.</remarks>
internal sealed class AccessOptions
{
    /// <summary>Requests one key may make at once before it must wait for tokens (the bucket's size).</summary>
    /// <value>200.</value>
    public int Burst { get; set; } = 200;

    /// <summary>Requests per <see cref="Period"/> a key's bucket regains.</summary>
    /// <value>50.</value>
    public int PerPeriod { get; set; } = 50;

    /// <summary>How often a key's bucket is refilled by <see cref="PerPeriod"/>.</summary>
    /// <value>One second.</value>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a ticket for the live event stream is valid (it is single-use).</summary>
    /// <value>30 seconds.</value>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(30);
}
