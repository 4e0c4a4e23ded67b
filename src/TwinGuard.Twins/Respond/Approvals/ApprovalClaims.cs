namespace TwinGuard.Twins.Respond;

/// <summary>
/// Who this serve is when it claims a due approval to carry it out, how long its claim holds, and how it learns that
/// the serve holding another claim is gone, so that an approval whose serve died while carrying it out is not stuck
/// <c>executing</c>: another takes it over when the claim's lease has run out, or at once when the owner is known gone.
/// </summary>
/// <param name="Owner">This serve's name in the store's <c>claimed_by</c>: unique to this run of it.</param>
/// <param name="Lease">How long a claim holds without its owner being known gone.</param>
/// <param name="OwnerGone">True when the serve named is known to be gone (a cluster's membership declared it dead).</param>
public sealed record ApprovalClaims(string Owner, TimeSpan Lease, Func<string, bool> OwnerGone)
{
    /// <summary>The lease when nothing else is said.</summary>
    /// <value>5 minutes: far above carrying out one action (containment in milliseconds, a notifier's 10 s timeout).</value>
    public static readonly TimeSpan DefaultLease = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A serve sharing its store with others it knows nothing of: a claim of another is taken over only after its lease.
    /// </summary>
    public static ApprovalClaims Shared(TimeProvider time) => new(RunName(time), DefaultLease, static _ => false);

    /// <summary>
    /// A serve alone on its store (a single node: the data directory and its <c>twinguard.db</c> are this serve's, the CLI
    /// writes decisions but claims nothing): a claim by any other owner is an earlier run's, which stopped holding it.
    /// </summary>
    public static ApprovalClaims Alone(TimeProvider time)
    {
        var owner = RunName(time);
        return new ApprovalClaims(owner, DefaultLease, other => !string.Equals(other, owner, StringComparison.Ordinal));
    }

    private static string RunName(TimeProvider time) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/{time.GetUtcNow().ToUnixTimeMilliseconds()}");
}
