using System.CommandLine;
using System.Text.Json;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard device-secret</c>: makes a device's generated secret (256 random bits, <c>tgd_…</c>) and the verifier
/// that the device's <c>secret_hash</c> holds in the plant model.
/// </summary>
/// <remarks>
/// The secret is printed this once and kept nowhere: the plant model holds only its salted SHA-256
/// (<see cref="DeviceSecretHash"/>). It takes no input, so a human password can never become a fast-checked secret; a
/// human password goes through <c>twinguard hash-password</c> (PBKDF2) as before.
/// </remarks>
internal static class DeviceSecretCommand
{
    public static Command Create()
    {
        var json = CommonOptions.Json();
        var command = new Command("device-secret",
            "Generate a device secret (printed once) and the secret_hash for its plant model entry: a login checked in microseconds, unlike a PBKDF2 password")
        {
            json,
        };
        command.SetAction(parse =>
        {
            var (secret, hash) = DeviceSecretHash.Generate();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["secret"] = secret, ["secret_hash"] = hash.ToString() }));
                return 0;
            }

            Console.WriteLine("secret, shown this once (the device's MQTT password; TwinGuard keeps only its hash):");
            Console.WriteLine(secret);
            Console.WriteLine("for the device's entry in the plant model (in place of password_hash):");
            Console.WriteLine($"    secret_hash: \"{hash}\"");
            return 0;
        });
        return command;
    }
}
