using System.CommandLine;
using System.Diagnostics;
using Spectre.Console;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Verification;
using TwinGuard.Server.Hosting;
using TwinGuard.Twins.Compliance;

namespace TwinGuard.Server.Commands;

/// <summary>
/// <c>twinguard compliance report|verify</c>: a report per standard from the ledger, and the auditor's check of one
/// (docs/compliance.md).
/// </summary>
internal static class ComplianceCommand
{
    public static Command Create() => new("compliance", "Compliance reports from the ledger (IEC 62443-3-3, NIST SP 800-82, ISO/IEC 27001) that an auditor can verify")
    {
        Report(),
        Verify(),
    };

    private static Command Report()
    {
        var dataDir = CommonOptions.DataDir();
        var json = CommonOptions.Json();
        var standard = new Option<string>("--standard")
        {
            Description = $"The standard: {string.Join(", ", ComplianceCatalogueLoader.Standards)}",
            Required = true,
        };
        var targetSl = new Option<int?>("--target-sl") { Description = "IEC 62443-3-3 target security level 1-4 (its requirements up to that level; default all)" };
        var from = new Option<string?>("--from") { Description = "First day (2026-12-01, UTC) or RFC 3339 time of the period (default: the ledger's beginning)" };
        var to = new Option<string?>("--to") { Description = "Last day (included) or RFC 3339 time (excluded) of the period (default: the newest signed checkpoint)" };
        var format = new Option<string>("--format") { Description = "table (for people), html, md or json", DefaultValueFactory = _ => "table" };
        var output = new Option<FileInfo?>("--output") { Description = "Write the report (html, md or json) to this file; stdout then shows the table" };
        var config = new Option<FileInfo?>("--config") { Description = "The plant model file (default: the one the ledger recorded); it must be the file the site ran on" };
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "Public key to verify the ledger with (default: the pinned key, else the ledger's own copy)" };
        var command = new Command("report", "Evaluate a standard's controls from the plant model, the ledger and the self-tests over a period")
        {
            dataDir, json, standard, targetSl, from, to, format, output, config, publicKey,
        };
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(standard)!;
            if (!ComplianceCatalogueLoader.Standards.Contains(name, StringComparer.Ordinal))
            {
                throw new CommandLineException($"--standard '{name}': expected one of {string.Join(", ", ComplianceCatalogueLoader.Standards)}");
            }

            var catalogue = ComplianceCatalogueLoader.Embedded(name);
            var level = parse.GetValue(targetSl);
            if (level is { } l && (!catalogue.HasLevels || l is < 1 or > 4))
            {
                throw new CommandLineException(catalogue.HasLevels ? $"--target-sl {l}: expected 1 to 4" : $"--target-sl: {name} has no security levels");
            }

            var fmt = parse.GetValue(json) ? "json" : parse.GetValue(format)!;
            if (fmt is not ("table" or "html" or "md" or "json"))
            {
                throw new CommandLineException($"--format '{fmt}': expected table, html, md or json");
            }

            var file = parse.GetValue(output);
            if (file is not null && fmt == "table")
            {
                throw new CommandLineException("--output: give --format html, md or json too");
            }

            var period = CompliancePeriod.Parse(parse.GetValue(from), parse.GetValue(to));
            var directory = parse.GetValue(dataDir)!.FullName;
            var configFile = parse.GetValue(config)?.FullName;
            var started = Stopwatch.GetTimestamp();
            var (options, key) = Trust(directory, parse.GetValue(publicKey));
            using (key)
            {
                var report = ComplianceEvaluator.Evaluate(catalogue, level, directory, period,
                    recorded => PlantEvidence.Load(configFile, recorded, strict: configFile is not null), options, TimeProvider.System.GetUtcNow());
                var text = fmt switch
                {
                    "html" => ComplianceHtml.Write(report),
                    "md" => ComplianceMarkdown.Write(report),
                    "json" => ComplianceReportJson.Write(report),
                    _ => null,
                };
                var elapsed = Stopwatch.GetElapsedTime(started);
                if (file is not null)
                {
                    await File.WriteAllTextAsync(file.FullName, text, ct);
                    PrintTable(report);
                    Console.Out.WriteLine($"report written to {file.FullName} in {elapsed.TotalMilliseconds:0} ms ({report.Citations.Count} entries cited with proofs)");
                }
                else if (text is not null)
                {
                    Console.Out.Write(text);
                }
                else
                {
                    PrintTable(report);
                    Console.Out.WriteLine($"made in {elapsed.TotalMilliseconds:0} ms; {report.Citations.Count} entries cited (--format json holds their proofs)");
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var report = new Argument<FileInfo>("REPORT") { Description = "The report, as written by compliance report --format json" };
        var publicKey = new Option<FileInfo?>("--public-key") { Description = "The ledger's public key (PEM or verifier key), obtained apart from the report" };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Also check that this data directory's ledger holds the report's checkpoint (and use its pinned key when no --public-key)" };
        var json = CommonOptions.Json();
        var command = new Command("verify", "Check every cited entry's proof against the report's signed checkpoint with the log's public key")
        {
            report, publicKey, dataDir, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(report)!;
            if (!file.Exists)
            {
                throw new CommandLineException($"{file.FullName}: no such report");
            }

            if (file.Length > 512L * 1024 * 1024)
            {
                throw new CommandLineException($"{file.FullName}: {file.Length} bytes is more than a report can be (512 MiB)");
            }

            var directory = parse.GetValue(dataDir)?.FullName;
            var keyPath = parse.GetValue(publicKey)?.FullName
                          ?? (directory is not null && LedgerKeyLocations.For(Path.Combine(directory, "ledger")).PinPath is { } pin && File.Exists(pin) ? pin : null)
                          ?? throw new CommandLineException("--public-key: give the ledger's public key (twinguard ledger export-key), obtained apart from the report");
            using var key = LedgerPublicKey.Load(keyPath);
            var started = Stopwatch.GetTimestamp();
            var result = ComplianceVerifier.Verify(await File.ReadAllTextAsync(file.FullName, ct), key, directory);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(Ledger.LedgerJson.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteBoolean("ok", result.Ok);
                    w.WriteString("standard", result.Standard);
                    w.WriteNumber("treeSize", result.TreeSize);
                    w.WriteBoolean("checkpointVerified", result.CheckpointVerified);
                    w.WriteNumber("citations", result.Citations);
                    w.WriteNumber("citationsVerified", result.CitationsVerified);
                    if (result.LedgerMatched is { } matched)
                    {
                        w.WriteBoolean("ledgerMatched", matched);
                    }

                    w.WriteNumber("elapsedMs", Math.Round(elapsed.TotalMilliseconds, 1));
                    w.WriteStartArray("problems");
                    foreach (var p in result.Problems)
                    {
                        w.WriteStartObject();
                        if (p.Entry is { } entry)
                        {
                            w.WriteNumber("entry", entry);
                        }

                        w.WriteString("message", p.Message);
                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
            }
            else
            {
                Console.Out.WriteLine($"{result.Standard} report: checkpoint of {result.TreeSize} entries {(result.CheckpointVerified ? "signed by the key given" : "NOT signed by the key given")}; "
                                      + $"{result.CitationsVerified} of {result.Citations} cited entries proven"
                                      + (result.LedgerMatched is { } m ? m ? "; the data directory's ledger holds that tree" : "; the data directory's ledger does NOT hold that tree" : string.Empty)
                                      + $" ({elapsed.TotalMilliseconds:0} ms)");
                foreach (var p in result.Problems.Take(50))
                {
                    Console.Out.WriteLine("FAILED: " + p.Message);
                }

                Console.Out.WriteLine(result.Ok ? "report verified" : $"REPORT DOES NOT VERIFY ({result.Problems.Count} problem(s))");
            }

            return result.Ok ? 0 : LedgerCommand.VerificationFailed;
        });
        return command;
    }

    /// <summary>The key the ledger is checked with: the one given, else the pin written at first start, else its own copy.</summary>
    private static (LedgerVerificationOptions Options, LedgerPublicKey? Key) Trust(string dataDirectory, FileInfo? publicKey)
    {
        var pin = LedgerKeyLocations.For(Path.Combine(dataDirectory, "ledger")).PinPath;
        var pinned = publicKey is null && pin is not null && File.Exists(pin);
        var path = publicKey?.FullName ?? (pinned ? pin : null);
        var key = path is null ? null : LedgerPublicKey.Load(path);
        return (new LedgerVerificationOptions { TrustedKey = key, TrustedKeySource = path, TrustedKeyIsPinned = pinned }, key);
    }

    private static void PrintTable(ComplianceReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(report.Catalogue.Title)}[/]{(report.TargetLevel is { } sl ? $" SL {sl}" : string.Empty)}")
            .AddColumns("id", "title", "status", "why");
        foreach (var c in report.Controls)
        {
            var colour = c.Status switch { ControlStatus.Met => "green", ControlStatus.PartlyMet => "yellow", ControlStatus.NotMet => "red", _ => "grey" };
            table.AddRow(Markup.Escape(c.Control.Id), Markup.Escape(c.Control.Title), $"[{colour}]{c.Status.Text()}[/]", Markup.Escape(c.Reason.Length > 110 ? c.Reason[..107] + "..." : c.Reason));
        }

        AnsiConsole.Write(table);
        Console.Out.WriteLine($"period {report.Ledger.Period}: {report.Ledger.EntriesInPeriod} entries; "
                              + string.Join(", ", Enum.GetValues<ControlStatus>().Select(s => $"{report.Count(s)} {s.Text()}"))
                              + $"; ledger {(report.Verification.Ok ? "verified" : "DOES NOT VERIFY")} ({report.Verification.Scope})");
    }
}
