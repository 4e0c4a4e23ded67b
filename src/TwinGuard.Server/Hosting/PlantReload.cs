namespace TwinGuard.Server.Hosting;

/// <summary>What one plant model reload did.</summary>
/// <param name="Applied">True when the file's model is now in force.</param>
/// <param name="Generation">The generation in force afterwards (0: the model loaded at start).</param>
/// <param name="Message">One line: what was applied, or why the file was refused (with its <c>file:line:column</c>).</param>
internal sealed record PlantReload(bool Applied, int Generation, string Message);
