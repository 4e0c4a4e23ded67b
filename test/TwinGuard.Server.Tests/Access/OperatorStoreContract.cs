using TwinGuard.Server.Access;
using TwinGuard.Twins.Record;

namespace TwinGuard.Server.Tests.Access;

/// <summary>
/// What the API keys and the operator journal must do in each database they live in (a data directory's
/// <c>operator.db</c>, a real PostgreSQL started by the fixture). A second store on the same database stands for another
/// silo of a cluster, or the CLI.
/// </summary>
public abstract class OperatorStoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);
    private readonly List<IDisposable> _opened = [];

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        return Task.CompletedTask;
    }

    /// <summary>A new connection to the database.</summary>
    protected abstract RecordsDatabase OpenDatabase();

    [Fact]
    public void Create_OnOneSilo_ValidatesOnAnotherUntilRevokedThere()
    {
        var silo0 = Keys();
        var silo1 = Keys();

        var made = silo0.Create("alice", ApiRole.Operator, "plant-a", "cli");

        // Stored to the millisecond: the key as read back, not as made.
        Assert.Equal((made.Key.Id, "alice", ApiRole.Operator, "plant-a"), silo1.Validate(made.Token) is { } k ? (k.Id, k.Name, k.Role, k.Site) : default);
        Assert.Null(silo1.Validate(made.Token[..^1] + (made.Token[^1] == 'A' ? 'B' : 'A')));
        Assert.True(silo1.Revoke(made.Key.Id, "bob"));
        Assert.False(silo0.Revoke(made.Key.Id, "bob"));
        Assert.Null(silo0.Validate(made.Token));
        Assert.Equal("bob", Keys().Find(made.Key.Id)!.RevokedBy);
        Assert.Empty(Keys().List());
        Assert.Single(Keys().List(includeRevoked: true));
    }

    [Fact]
    public void Validate_RightLengthWithACharacterOutsideBase64Url_IsNullNotAnError()
    {
        var keys = Keys();
        var made = keys.Create("alice", ApiRole.Viewer, null, "cli");

        Assert.Null(keys.Validate(made.Token[..^5] + "+" + made.Token[^4..]));
        Assert.Null(keys.Validate(made.Token[..^5] + " " + made.Token[^4..]));
        Assert.Equal(made.Key.Id, keys.Validate(made.Token)?.Id);
    }

    [Fact]
    public void Unrecorded_MadeThenRevoked_PendingUntilMarkedRecorded()
    {
        var keys = Keys();
        var admin = keys.Create("root", ApiRole.Admin, null, "bootstrap");
        Assert.False(Keys().HasNoAdmin());

        Assert.Equal([(admin.Key.Id, true, false)], Keys().Unrecorded().Select(u => (u.Key.Id, u.Creation, u.Revocation)));
        keys.MarkRecorded(admin.Key.Id, revocation: false, 11);
        Assert.Empty(Keys().Unrecorded());
        keys.Revoke(admin.Key.Id, "cli");
        Assert.Equal([(true, false, true)], Keys().Unrecorded().Select(u => (u.Key.Revoked is not null, u.Creation, u.Revocation)));
        keys.MarkRecorded(admin.Key.Id, revocation: true, 12);
        Assert.Empty(Keys().Unrecorded());
        Assert.True(Keys().HasNoAdmin());
    }

    [Fact]
    public void Journal_VerdictsNotesAndMaintenance_ReadBackThroughAnother()
    {
        var silo0 = Journal();
        var t = Start;

        var first = silo0.AddVerdict("finding", 7, "tank1", "false_positive", "valve test", "alice", t, 21);
        var second = silo0.AddVerdict("incident", 3, null, "confirmed", "real", "bob", t.AddSeconds(1), 22);
        var note = silo0.AddNote("tank1", "sensor replaced", "alice", t, 23);
        silo0.SetMaintenance("tank1", enabled: true, "calibration", "alice", t);
        silo0.SetMaintenance("tank1", enabled: false, "done", "bob", t.AddMinutes(5));

        var silo1 = Journal();
        Assert.Equal([first, second], silo1.Verdicts());
        Assert.Equal([first], silo1.Verdicts("finding"));
        Assert.Equal([second], silo1.Verdicts("incident", 3));
        Assert.Empty(silo1.Verdicts("incident", 4));
        Assert.Equal([note], silo1.Notes("tank1"));
        Assert.Equal(new MaintenanceMode("tank1", false, "done", "bob", t.AddMinutes(5)), silo1.Maintenance("tank1"));
        Assert.Null(silo1.Maintenance("pump1"));
    }

    private ApiKeyStore Keys() => Keep(ApiKeyStore.Open(OpenDatabase()));

    private OperatorJournal Journal() => Keep(OperatorJournal.Open(OpenDatabase()));

    private T Keep<T>(T store)
        where T : IDisposable
    {
        _opened.Add(store);
        return store;
    }
}
