using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard certs --config plant.yaml --out DIR</c>: the first certificates of a site, a CA, a server certificate and
/// one client certificate per device (ECDSA P-256), and what to put in the plant model.
/// </summary>
/// <remarks>
/// Keys are written 0600 in a 0700 directory and never printed. Files that exist are kept (run it again after adding a
/// device: only the new device's certificate is made, by the same CA). Operators with their own PKI skip this command.
/// </remarks>
internal static class CertsCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "Plant model (YAML): one device certificate per device", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for the certificates and keys", Required = true };
        var names = new Option<string[]>("--name") { Description = "DNS name of this server, as devices reach it (repeatable)", AllowMultipleArgumentsPerToken = false };
        var addresses = new Option<string[]>("--ip") { Description = "IP address of this server, as devices reach it (repeatable)", AllowMultipleArgumentsPerToken = false };
        var days = new Option<int>("--days") { Description = "Validity of the server and device certificates", DefaultValueFactory = _ => 397 };
        var command = new Command("certs", "Create a site CA, a server certificate and a certificate per device (P-256), and print the plant model's tls settings")
        {
            config, output, names, addresses, days,
        };
        command.SetAction(parse =>
        {
            var plant = ServeCommand.LoadPlant(parse.GetValue(config)!);
            var ips = (parse.GetValue(addresses) ?? []).Select(text => IPAddress.TryParse(text, out var ip) ? ip : throw new CommandLineException($"--ip: not an IP address: '{text}'")).ToList();
            var validity = parse.GetValue(days);
            if (validity is < 1 or > 3650)
            {
                throw new CommandLineException("--days: expected 1 to 3650");
            }

            var site = new SiteCertificates(parse.GetValue(output)!.FullName, TimeProvider.System, TimeSpan.FromDays(validity));
            var made = site.CreateAll(plant.Site.Id, ServeCommand.MqttDevices(plant).Select(d => d.Id).ToList(), parse.GetValue(names) ?? [], ips);
            foreach (var line in made)
            {
                Console.Error.WriteLine(line);
            }

            Console.WriteLine(site.PlantModelSnippet(plant.Site.Id, ServeCommand.MqttDevices(plant).Select(d => d.Id)));
            return 0;
        });
        return command;
    }
}
