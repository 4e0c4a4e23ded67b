namespace TwinGuard.Ledger.Witnessing;

/// <summary>A witness's HTTP answer to add-checkpoint (c2sp.org/tlog-witness): status, body, content type.</summary>
/// <param name="Status">200 with cosignature lines; 400, 403, 404, 409 (with the witness's size), 422.</param>
/// <param name="Body">The response body.</param>
/// <param name="ContentType">Its media type.</param>
public sealed record WitnessAnswer(int Status, string Body, string ContentType = "text/plain; charset=utf-8")
{
    /// <summary>
    /// Set on a 409 that is not only "prove from my size": the log signed a smaller tree or another root for a size this
    /// witness cosigned (recorded in <c>forks.jsonl</c>). The protocol still answers 409 with the witness's size.
    /// </summary>
    public string? Fork { get; init; }
}
