using System.Security.Cryptography;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Compliance;

/// <summary>
/// The plant model a report's configuration facts are read from: the file itself (it holds what the ledger's redacted
/// copy does not, such as password hash strength), accepted only when its SHA-256 is the one the ledger recorded.
/// </summary>
/// <param name="Model">The model, or null when no file matching the ledger could be read.</param>
/// <param name="Problem">Why there is no model, or null.</param>
/// <param name="Recorded">The <c>config-change</c> entry it matches, or null when the ledger recorded none.</param>
public sealed record PlantEvidence(PlantModel? Model, string? Problem, RecordedFile? Recorded)
{
    /// <summary>
    /// Loads <paramref name="path"/> (default: the source the ledger recorded) and checks it against the recorded hash.
    /// </summary>
    /// <param name="path">The plant model file, or null to use the one the ledger names.</param>
    /// <param name="recorded">The newest <c>config-change</c> up to the period's end.</param>
    /// <param name="strict">Refuse (throw) rather than report when the file given is not the one recorded.</param>
    /// <exception cref="FormatException">Strict, and the file differs from the recorded one or is not a plant model.</exception>
    public static PlantEvidence Load(string? path, RecordedFile? recorded, bool strict)
    {
        if (recorded is null)
        {
            return new PlantEvidence(null, "the ledger records no plant model up to the period's end", null);
        }

        var file = path ?? recorded.Source;
        if (!File.Exists(file))
        {
            return strict
                ? throw new FormatException($"{file}: no such plant model file")
                : new PlantEvidence(null, $"the plant model the ledger names ({file}) is not readable here: give --config", recorded);
        }

        var bytes = File.ReadAllBytes(file);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != recorded.Sha256)
        {
            var problem = $"{file} has SHA-256 {sha}, but the site ran on {recorded.Sha256} (ledger entry {recorded.Index})";
            return strict ? throw new FormatException(problem) : new PlantEvidence(null, problem, recorded);
        }

        try
        {
            return new PlantEvidence(PlantModelLoader.Load(file), null, recorded);
        }
        catch (PlantModelException ex) when (!strict)
        {
            return new PlantEvidence(null, ex.Message, recorded);
        }
    }

    /// <summary>A model already in memory (the serving host's), checked against the recorded hash of its file.</summary>
    public static PlantEvidence InMemory(PlantModel model, string? source, RecordedFile? recorded)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (recorded is null)
        {
            return new PlantEvidence(null, "the ledger records no plant model up to the period's end", null);
        }

        if (source is null || !File.Exists(source))
        {
            return new PlantEvidence(null, "the plant model file is not readable, so it cannot be matched with the ledger", recorded);
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(source)));
        return sha == recorded.Sha256
            ? new PlantEvidence(model, null, recorded)
            : new PlantEvidence(null, $"{source} changed since the ledger recorded it (entry {recorded.Index})", recorded);
    }
}
