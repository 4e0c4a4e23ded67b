using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests.Plant;

public sealed class PasswordHashTests
{
    [Fact]
    public void Unmatchable_AnyPassword_FailsAtTheRequestedCost()
    {
        var hash = PasswordHash.Unmatchable(1000);

        Assert.Equal(1000, hash.Iterations);
        Assert.All(["", "right", "demo-tank-gateway"], password => Assert.False(hash.Verify(password)));
        // Stored form like a real hash's (16-byte salt, 32-byte hash), and fresh random bytes each time.
        Assert.Equal(hash, PasswordHash.Parse(hash.ToString()), (a, b) => a.ToString() == b.ToString());
        Assert.NotEqual(hash.ToString(), PasswordHash.Unmatchable(1000).ToString());
    }

    [Fact]
    public void Verify_CreatedHash_MatchesOnlyItsPassword()
    {
        var hash = PasswordHash.Create("right", 1000);

        Assert.True(hash.Verify("right"));
        Assert.False(hash.Verify("wrong"));
    }
}
