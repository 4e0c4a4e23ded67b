namespace TwinGuard.Server.Offline;

/// <summary>A NAB application profile: the reward of a detection and the costs of a false and a missed one.</summary>
internal sealed record NabProfile(string Name, double TruePositive, double FalsePositive, double FalseNegative)
{
    /// <summary>
    /// NAB's three profiles (standard, reward low FP, reward low FN), as the SKAB leaderboard (tsad's defaults) and
    /// NAB itself use them: NAB's A_FP = 0.11 is a cost, written here as the reward −0.11.
    /// </summary>
    public static IReadOnlyList<NabProfile> All { get; } =
    [
        new("standard", 1.0, -0.11, -1.0),
        new("low_fp", 1.0, -0.22, -1.0),
        new("low_fn", 1.0, -0.11, -2.0),
    ];
}
