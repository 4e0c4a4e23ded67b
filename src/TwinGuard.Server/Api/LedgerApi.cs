using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Server.Access;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Api;

/// <summary>
/// <c>/api/ledger</c>: the newest signed checkpoint and RFC 6962 inclusion proofs, as <c>twinguard ledger</c> prints them.
/// In a cluster with one ledger every silo answers from that ledger (docs/cluster.md), not from its own directory.
/// </summary>
internal static class LedgerApi
{
    public static RouteGroupBuilder MapLedgerApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/ledger").WithTags("ledger").RequireAuthorization(AccessPolicies.Viewer);
        group.MapGet("/checkpoint", Results<Ok<CheckpointView>, ProblemHttpResult> (HostSettings settings) =>
            {
                using var reader = LedgerReader.Open(Directory(settings));
                return reader.LatestCheckpoint is { } checkpoint
                    ? TypedResults.Ok(View(checkpoint, reader))
                    : Problems.NotFound("no checkpoint has been signed yet");
            }).WithSummary("The newest signed checkpoint");
        group.MapGet("/entries/{index:long}/proof", Results<Ok<ProofView>, ProblemHttpResult> (long index, HostSettings settings) =>
            {
                using var reader = LedgerReader.Open(Directory(settings));
                if (reader.LatestCheckpoint is not { } checkpoint)
                {
                    return Problems.NotFound("no checkpoint has been signed yet");
                }

                if (index < 0 || index >= checkpoint.TreeSize)
                {
                    return Problems.NotFound(string.Create(CultureInfo.InvariantCulture,
                        $"entry {index} is not in the newest checkpoint, which signs entries 0..{checkpoint.TreeSize - 1}"));
                }

                var entry = reader.ReadEntry(index);
                var proof = reader.ProveInclusion(index, checkpoint.TreeSize);
                var verified = reader.PublicKey is { } key && proof.Verify(entry, checkpoint, key);
                var (payload, redacted) = RecordedFilePayload.WithoutSecrets(entry);
                return TypedResults.Ok(new ProofView(index, LedgerJson.KindName(entry.Kind), entry.Timestamp, Convert.ToBase64String(payload),
                    Convert.ToHexStringLower(entry.ComputeLeafHash()), View(checkpoint, reader), proof.Path.Select(Convert.ToHexStringLower).ToList(), verified,
                    redacted));
            }).WithSummary("An inclusion proof of one entry in the newest checkpoint");
        return api;
    }

    /// <summary>The ledger the API proves from: the cluster's one ledger (the sequencer's shared directory) when there is one, else this node's.</summary>
    internal static string Directory(HostSettings settings) => settings.Cluster?.LedgerDirectory ?? Path.Combine(settings.DataDirectory, "ledger");

    private static CheckpointView View(Checkpoint c, LedgerReader reader) => new(
        c.TreeSize, Convert.ToHexStringLower(c.RootHash), c.Version == 1 ? c.Timestamp : null, Convert.ToHexStringLower(c.KeyId), Convert.ToBase64String(c.Signature),
        Convert.ToBase64String(c.Encode()), reader.PublicKey is { } key && key.Verify(c), reader.PublicKey?.Pem, LedgerJson.Note(reader.Directory, reader.PublicKey, c));
}
