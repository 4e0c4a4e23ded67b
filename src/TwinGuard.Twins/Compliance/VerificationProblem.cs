namespace TwinGuard.Twins.Compliance;

/// <summary>One thing in a report that its ledger evidence does not bear out.</summary>
/// <param name="Entry">The cited entry concerned, or null for the report as a whole.</param>
/// <param name="Message">What is wrong, naming the entry.</param>
public sealed record VerificationProblem(long? Entry, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Message;
}
