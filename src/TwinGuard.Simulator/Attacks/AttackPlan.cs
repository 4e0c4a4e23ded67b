namespace TwinGuard.Simulator.Attacks;

/// <summary>One scheduled attack with its ground truth.</summary>
/// <param name="Name">The attack's name (<see cref="AttackNames"/>).</param>
/// <param name="Kind">The attack's kind.</param>
/// <param name="Target">What it is aimed at.</param>
/// <param name="Start">When the first attack message is sent, from the start of the run.</param>
/// <param name="End">When the last attack message is sent, from the start of the run.</param>
/// <remarks>
/// <see cref="Start"/> and <see cref="End"/> are offsets on the sample grid; the runner turns them into wall-clock
/// times with <see cref="At"/>.
/// </remarks>
public sealed record AttackPlan(string Name, AttackKind Kind, AttackTarget Target, TimeSpan Start, TimeSpan End)
{
    /// <summary>For <c>replay</c>: how far back the replayed messages were captured.</summary>
    public TimeSpan ReplayOffset { get; init; }

    /// <summary>For <c>unknown-device</c>: the password the intruder tries.</summary>
    public string? IntruderPassword { get; init; }

    /// <summary>
    /// For <c>unknown-device</c>: the asset whose topic the intruder tries to publish to. Not part of the target: the
    /// intruder never gets that far, so only an observation naming the intruder detects it.
    /// </summary>
    public string? IntruderAssetId { get; init; }

    /// <summary>The attack's duration.</summary>
    public TimeSpan Duration => End - Start;

    /// <summary>Whether <paramref name="offset"/> (from the start of the run) lies within [Start, End].</summary>
    public bool IsActiveAt(TimeSpan offset) => offset >= Start && offset <= End;

    /// <summary>The ground-truth window in wall-clock time, for a run that started at <paramref name="runStart"/>.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) At(DateTimeOffset runStart) => (runStart + Start, runStart + End);

    /// <summary>A one-line description for logs and tables.</summary>
    public string Describe() => Kind switch
    {
        AttackKind.Replay => $"{Name} on {Target}: messages from {ReplayOffset.TotalSeconds:0.##} s earlier re-sent verbatim",
        AttackKind.Flood => $"{Name} from {Target}: 50x the sample rate",
        AttackKind.UnknownDevice => $"{Name} '{Target.DeviceId}' tries to publish to {IntruderAssetId}",
        AttackKind.WrongTopic => $"{Name}: {Target.DeviceId} publishes to {Target.AssetId}, which it does not own",
        _ => $"{Name} on {Target}",
    };
}
