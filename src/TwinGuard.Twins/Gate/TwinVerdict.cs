using TwinGuard.Twins.Findings;

namespace TwinGuard.Twins.Gate;

/// <summary>
/// What the twin made of one message the gate let through: accepted (some of its values reached the trusted state), or
/// refused as a whole by the twin's validation and why. What a sender that waits for an acknowledgement is told.
/// </summary>
/// <remarks>
/// A value type of one number, so that carrying it back costs nothing: <see cref="ITwinInbox"/>'s kept task completes with
/// it once the message is in the ledger on disk. Orleans carries it between silos as that number (reason + 1, 0 accepted).
/// </remarks>
[GenerateSerializer, Immutable, Alias("twinguard.twin-verdict")]
public readonly record struct TwinVerdict
{
    [Id(0)]
    private readonly int _refusedAs;

    private TwinVerdict(int refusedAs) => _refusedAs = refusedAs;

    /// <summary>Accepted, or partly accepted (the values refused are recorded as refusals of their own).</summary>
    public static TwinVerdict Accepted => default;

    /// <summary>A message kept in the ledger that the twin accepted: what a kept wait that asks nothing more completes with.</summary>
    public static Task<TwinVerdict> AcceptedTask { get; } = Task.FromResult(Accepted);

    /// <summary>Why the twin refused the message as a whole; null when it accepted it.</summary>
    public ReasonCode? Refusal => _refusedAs == 0 ? null : (ReasonCode)(_refusedAs - 1);

    /// <summary>Refused as a whole for <paramref name="reason"/>.</summary>
    public static TwinVerdict Refused(ReasonCode reason) => new((int)reason + 1);
}
