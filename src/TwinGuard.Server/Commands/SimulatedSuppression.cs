using TwinGuard.Twins.Correlate;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>
/// A suppression put in force for a whole <c>simulate</c> run (<c>--suppress REASON:ASSET[.SIGNAL]</c>), as an
/// analyst's <c>false_positive</c> verdict would make it: what would it hold back, and would the library still be
/// detected with it? The poisoning guard applies (<see cref="SuppressionList.MaySuppress"/>).
/// </summary>
/// <param name="Reason">The reason it suppresses.</param>
/// <param name="AssetId">The asset.</param>
/// <param name="SignalId">The signal, or null for every signal of the asset.</param>
internal sealed record SimulatedSuppression(ReasonCode Reason, string AssetId, string? SignalId)
{
    /// <summary>Parses <c>REASON:ASSET</c> or <c>REASON:ASSET.SIGNAL</c> against the plant model.</summary>
    /// <exception cref="CommandLineException">Not that form, an unknown reason, asset or signal, or a reason never suppressed.</exception>
    public static SimulatedSuppression Parse(string text, PlantModel plant)
    {
        var (reasonText, target) = text.Split(':', 2) is [var r, var t] ? (r, t) : throw Wrong(text, "expected REASON:ASSET or REASON:ASSET.SIGNAL");
        if (!ReasonCodes.TryParse(reasonText, out var reason))
        {
            throw Wrong(text, $"unknown reason '{reasonText}'");
        }

        if (!SuppressionList.MaySuppress(reason, Severity.Medium))
        {
            throw Wrong(text, $"findings of reason {reasonText} are never suppressed (the gate, relations, intelligence, IDS alerts and operating limits stay on)");
        }

        var (assetId, signalId) = target.Split('.', 2) is [var a, var s] ? (a, (string?)s) : (target, null);
        var asset = plant.FindAsset(assetId) ?? throw Wrong(text, $"no asset '{assetId}' in the plant model");
        if (signalId is not null && asset.IndexOf(signalId) < 0)
        {
            throw Wrong(text, $"asset '{assetId}' has no signal '{signalId}'");
        }

        return new SimulatedSuppression(reason, assetId, signalId);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Reason.Name()}:{AssetId}{(SignalId is null ? string.Empty : "." + SignalId)}";

    private static CommandLineException Wrong(string text, string problem) => new($"--suppress: '{text}': {problem}");
}
