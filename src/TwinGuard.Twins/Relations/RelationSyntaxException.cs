namespace TwinGuard.Twins.Relations;

/// <summary>A relation expression that cannot be used, with the 1-based character position of the problem.</summary>
/// <remarks>The message reads <c>position N: PROBLEM</c> (or <c>unit mismatch at position N: ...</c>), so that the plant
/// model loader can prefix it with file, line and field.</remarks>
public sealed class RelationSyntaxException : FormatException
{
    /// <summary>Creates the exception; <paramref name="message"/> already names the position.</summary>
    public RelationSyntaxException(int position, string message)
        : base(message) => Position = position;

    /// <summary>Creates the exception with a generic message.</summary>
    public RelationSyntaxException()
        : this(0, "invalid relation expression")
    {
    }

    /// <summary>Creates the exception with a message and no position.</summary>
    public RelationSyntaxException(string message)
        : this(0, message)
    {
    }

    /// <summary>Creates the exception with a message, no position and an inner exception.</summary>
    public RelationSyntaxException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>1-based character position in the expression text (0 when unknown).</summary>
    public int Position { get; }
}
