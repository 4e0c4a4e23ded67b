using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

public sealed class DeviceAuthenticatorTests
{
    private static readonly PlantModel Plant = new(
        new SiteModel("s", "s", "plant"),
        ValidationSettings.Default,
        DetectionSettings.Default,
        CorrelationSettings.Default,
        [new AssetModel("a", "a", "k", [], [new SignalModel("x", "u", 0, 1, 1, TimeSpan.FromSeconds(1), Criticality.Low)])],
        [new DeviceModel("plc", "plc", PasswordHash.Create("right", 1000), ["plant/a"])],
        []);

    [Fact]
    public void Authenticate_RightPassword_ReturnsTheDevice()
    {
        var (device, refusal) = new DeviceAuthenticator(Plant).Authenticate("plc", "right");

        Assert.Equal("plc", device?.Id);
        Assert.Null(refusal);
    }

    [Fact]
    public void Authenticate_WrongPassword_IsBadCredentials_EvenAfterASuccess()
    {
        var authenticator = new DeviceAuthenticator(Plant);
        authenticator.Authenticate("plc", "right");

        var (device, refusal) = authenticator.Authenticate("plc", "wrong");

        Assert.Null(device);
        Assert.Equal(ReasonCode.BadCredentials, refusal);
    }

    [Theory]
    [InlineData("intruder")]
    [InlineData("")]
    [InlineData(null)]
    public void Authenticate_UnknownUser_IsUnknownSource(string? user)
    {
        var (device, refusal) = new DeviceAuthenticator(Plant).Authenticate(user, "right");

        Assert.Null(device);
        Assert.Equal(ReasonCode.UnknownSource, refusal);
    }
}
