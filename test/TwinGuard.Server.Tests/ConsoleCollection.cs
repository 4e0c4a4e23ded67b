namespace TwinGuard.Server.Tests;

/// <summary>Tests that run the CLI share the process's console, so they run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection
{
    public const string Name = "console";
}
