namespace TwinGuard.Intel.Formats.Stix;

/// <summary>A STIX pattern that does not follow the patterning grammar; says where and why.</summary>
public sealed class StixPatternException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="position">Zero-based character offset in the pattern.</param>
    public StixPatternException(string message, int position)
        : base($"{message} at character {position + 1}")
    {
        Position = position;
    }

    /// <summary>Creates the exception.</summary>
    public StixPatternException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public StixPatternException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public StixPatternException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Zero-based character offset in the pattern where parsing failed.</summary>
    public int Position { get; }
}
