using System.CommandLine;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary><c>twinguard hash-password</c>: makes the salted hash that a device's <c>password_hash</c> holds.</summary>
internal static class HashPasswordCommand
{
    public static Command Create()
    {
        var command = new Command("hash-password", "Read a password from stdin and print its salted hash for the plant model");
        command.SetAction(_ =>
        {
            var password = Console.In.ReadLine();
            if (string.IsNullOrEmpty(password))
            {
                throw new CommandLineException("expected the password on the first line of stdin");
            }

            Console.WriteLine(PasswordHash.Create(password).ToString());
            return 0;
        });
        return command;
    }
}
