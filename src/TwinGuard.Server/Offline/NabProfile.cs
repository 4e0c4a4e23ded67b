namespace TwinGuard.Server.Offline;

/// <summary>A NAB application profile: the reward of a detection and the costs of a false and a missed one.</summary>
internal sealed record NabProfile(string Name, double TruePositive, double FalsePositive, double FalseNegative)
{
    /// <summary>The three profiles of the SKAB leaderboard (tsad's defaults).</summary>
    public static IReadOnlyList<NabProfile> Skab { get; } =
    [
        new("standard", 1.0, -0.11, -1.0),
        new("low_fp", 1.0, -0.22, -1.0),
        new("low_fn", 1.0, -0.11, -2.0),
    ];
}
