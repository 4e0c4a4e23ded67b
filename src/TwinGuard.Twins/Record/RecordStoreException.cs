namespace TwinGuard.Twins.Record;

/// <summary>The records store cannot be opened; the message says why and names no secret.</summary>
public sealed class RecordStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RecordStoreException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause (whose own message may hold what the store was given; do not log it).</summary>
    public RecordStoreException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RecordStoreException()
    {
    }
}
