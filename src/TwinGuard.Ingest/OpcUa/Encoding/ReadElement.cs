namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>Reads one array element with a <see cref="UaBinaryReader"/>.</summary>
public delegate T ReadElement<out T>(ref UaBinaryReader reader);
