using TwinGuard.Ingest.Mqtt;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.Tests.Mqtt;

public sealed class DeviceAuthenticatorTests
{
    // The shared one-asset plant with its one device "plc" (password "right"): the tests add the others they need.
    private static readonly PlantModel Plant = OneAssetBroker.Plant with { Devices = [.. OneAssetBroker.Plant.Devices.Where(d => d.Id == "plc")] };

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

    [Fact]
    public async Task AuthenticateAsync_RememberedDeviceWhileFailedLoginsHoldTheCheck_IsLetInWithoutWaitingForThem()
    {
        // A device with a costly hash makes each unknown name's dummy check as costly: three failed logins hold the one
        // password check slot for three PBKDF2s, one after the other.
        var plant = Plant with { Devices = [.. Plant.Devices, new DeviceModel("gateway", "gateway", PasswordHash.Create("other", 1_000_000), ["plant/a"])] };
        var authenticator = new DeviceAuthenticator(plant, BrokerOptions.Default, TimeProvider.System);
        Assert.Equal("plc", authenticator.Authenticate("plc", "right").Device?.Id); // verified once: remembered

        var failed = Enumerable.Range(0, 3).Select(i => Task.Run(() => authenticator.AuthenticateAsync($"intruder-{i}", "guess", null, CancellationToken.None).AsTask())).ToList();
        await Task.WhenAny(failed); // one has held the slot and let it go: of the other two, one holds it now, one waits
        var remembered = await authenticator.AuthenticateAsync("plc", "right", null, CancellationToken.None);

        Assert.Equal("plc", remembered.Device?.Id);
        Assert.Contains(failed, t => !t.IsCompleted); // it did not queue behind the two left
        Assert.All(await Task.WhenAll(failed), f => Assert.Equal(ReasonCode.UnknownSource, f.Refusal));
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

    [Fact]
    public async Task AuthenticateAsync_GeneratedSecret_OnlyThatSecretOpensAndAHumanPasswordNever()
    {
        var (secret, hash) = DeviceSecretHash.Generate();
        var plant = Plant with { Devices = [new DeviceModel("plc", "plc", null, ["plant/a"]) { SecretHash = hash }] };
        var authenticator = new DeviceAuthenticator(plant);

        var right = await authenticator.AuthenticateAsync("plc", secret, null, CancellationToken.None);
        var wrong = await authenticator.AuthenticateAsync("plc", DeviceSecretHash.Generate().Secret, null, CancellationToken.None);
        var human = await authenticator.AuthenticateAsync("plc", "right", null, CancellationToken.None);
        var unknown = await authenticator.AuthenticateAsync("intruder", secret, null, CancellationToken.None);

        Assert.Equal("plc", right.Device?.Id);
        Assert.Equal(ReasonCode.BadCredentials, wrong.Refusal);
        Assert.Equal(ReasonCode.BadCredentials, human.Refusal);
        Assert.Equal(ReasonCode.UnknownSource, unknown.Refusal);
        Assert.DoesNotContain(secret, wrong.Detail + human.Detail + unknown.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Authenticate_SecretRotatedByReload_OldSecretRefusedNewAccepted()
    {
        var (first, firstHash) = DeviceSecretHash.Generate();
        var (second, secondHash) = DeviceSecretHash.Generate();
        var source = new PlantModelSource(Plant with { Devices = [new DeviceModel("plc", "plc", null, ["plant/a"]) { SecretHash = firstHash }] });
        var authenticator = new DeviceAuthenticator(source);
        Assert.Equal("plc", authenticator.Authenticate("plc", first).Device?.Id);

        source.Apply(source.Current with { Devices = [new DeviceModel("plc", "plc", null, ["plant/a"]) { SecretHash = secondHash }] });

        Assert.Equal(ReasonCode.BadCredentials, authenticator.Authenticate("plc", first).Refusal);
        Assert.Equal("plc", authenticator.Authenticate("plc", second).Device?.Id);
    }
}
