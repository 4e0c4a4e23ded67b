using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Tests.Access;

/// <summary>The operator store contract on a data directory's <c>operator.db</c> (a single node).</summary>
public sealed class SqliteOperatorStoreTests : OperatorStoreContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("twinguard-operator-").FullName;

    public override Task InitializeAsync() => Task.CompletedTask;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    protected override RecordsDatabase OpenDatabase() => OperatorDatabase.Open(_dir);
}
