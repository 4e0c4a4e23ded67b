using TwinGuard.Twins.Correlate;

namespace TwinGuard.Server.Api;

/// <summary>A suppression in force and how many findings it has held back since serve started.</summary>
internal sealed record SuppressionView(Suppression Suppression, long Hits);
