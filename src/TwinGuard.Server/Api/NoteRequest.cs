namespace TwinGuard.Server.Api;

/// <summary>A note to add to an asset.</summary>
/// <param name="Text">The note (1 to 2000 characters).</param>
internal sealed record NoteRequest(string Text);
