using System.Diagnostics;
using TwinGuard.Ledger;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;
using TwinGuard.Server.Commands;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Server.Bench;

/// <summary>
/// <c>twinguard bench witness</c>: (1) appending with witnesses on against off, same run, alternating (goal: within
/// 5 %); (2) a witness's cosigning rate with consistency proofs over a 10 M-entry log, in process and over HTTP
/// (goal: 1,000 checkpoints/s).
/// </summary>
internal static class WitnessBenchmark
{
    private const int AppendEntries = 3_000_000;
    private const int AppendCheckpointSpacing = 65_536;
    private const int StressCheckpointEvery = 65_536; // 46 checkpoints a run: 16 times the default cadence of 2^20
    private const int LogEntries = 10_000_000;
    private const int LogCheckpointEvery = 5_000; // 2,000 checkpoints to cosign

    public static ProductBenchmark Create() => new("witness",
        "Ledger append with witnesses on vs off; witness cosigning rate with consistency proofs over a 10 M-entry log", RunAsync);

    private static async Task<int> RunAsync(BenchContext context, CancellationToken ct)
    {
        var root = Path.Combine(Path.GetTempPath(), "twinguard-bench-witness-" + Guid.NewGuid().ToString("N"));
        try
        {
            var appendDefault = await MeasureAppendAsync(root, LedgerOptions.Default.CheckpointEveryEntries, ct);
            var appendStress = await MeasureAppendAsync(root, StressCheckpointEvery, ct);
            var cosign = await MeasureCosigningAsync(root, ct);
            Print(context, [appendDefault, appendStress], cosign);
            return appendDefault.Cosignatures > 0 && appendStress.Cosignatures > 0 && cosign.AllCosigned ? 0 : 1;
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task<AppendResult> MeasureAppendAsync(string root, long checkpointEvery, CancellationToken ct)
    {
        const int rounds = 3;
        root = Path.Combine(root, "every-" + checkpointEvery);
        var keys = Enumerable.Range(0, (2 * rounds) + 2).Select(i => new LedgerKeyOptions { SigningKeyPath = Path.Combine(root, "keys", $"site-{i}.pem") }).ToList();
        var publicKeys = new List<LedgerPublicKey>();
        foreach (var key in keys)
        {
            // Create each run's key beforehand, so the witness can be told whom it witnesses.
            await using var setup = LedgerWriter.Open(Path.Combine(root, "setup-" + publicKeys.Count), LedgerOptions.Default with { Key = key }, TimeProvider.System);
            publicKeys.Add(LedgerPublicKey.FromVerifierKey(setup.PublicKey.VerifierKey));
        }

        // The witness runs where it would: in another process (`twinguard witness serve`), not on the site's threads.
        using var http = new HttpClient();
        var (witnessProcess, url) = await LoopbackPorts.StartOnFreePortsAsync(() => StartWitnessAsync(Path.Combine(root, "witness"), publicKeys, ct));
        using var witnessRunning = witnessProcess;
        var endpoint = new WitnessEndpoint(new Uri(url), WitnessPublicKey.Parse(await http.GetStringAsync(new Uri(url + "/key"), ct)));
        await RunAppendAsync(Path.Combine(root, "warmup-off"), keys[0] with { SigningKeyPath = Path.Combine(root, "keys", "warmup.pem") }, null, http, 500_000, checkpointEvery, ct);
        await RunAppendAsync(Path.Combine(root, "warmup-on"), keys[^1], endpoint, http, 500_000, checkpointEvery, ct);

        var off = new List<double>();
        var on = new List<double>();
        var offCpu = new List<double>();
        var onCpu = new List<double>();
        long cosignatures = 0;
        for (var round = 0; round < rounds; round++)
        {
            var without = await RunAppendAsync(Path.Combine(root, $"off-{round}"), keys[2 * round], null, http, AppendEntries, checkpointEvery, ct);
            off.Add(without.Rate);
            offCpu.Add(without.CpuNanoseconds);
            var with = await RunAppendAsync(Path.Combine(root, $"on-{round}"), keys[(2 * round) + 1], endpoint, http, AppendEntries, checkpointEvery, ct);
            on.Add(with.Rate);
            onCpu.Add(with.CpuNanoseconds);
            cosignatures += with.Cosigned;
        }

        var exchangeCpu = await MeasureExchangeCpuAsync(Path.Combine(root, "exchange"), keys[^2], endpoint, http, ct);
        witnessProcess.Kill(entireProcessTree: true);
        await witnessProcess.WaitForExitAsync(CancellationToken.None);
        return new AppendResult(checkpointEvery, Median(off), Median(on), off, on, offCpu.Order().ElementAt(rounds / 2), onCpu.Order().ElementAt(rounds / 2), cosignatures)
        {
            ExchangeCpuMilliseconds = exchangeCpu,
        };
    }

    /// <summary>
    /// The site's CPU per checkpoint witnessed (proof, request, cosignature check and storage), measured while the ledger
    /// is otherwise idle: a figure the machine's load cannot blur the way it blurs whole append runs.
    /// </summary>
    private static async Task<double> MeasureExchangeCpuAsync(string directory, LedgerKeyOptions key, WitnessEndpoint witness, HttpClient http, CancellationToken ct)
    {
        // Process CPU time moves in 10 ms ticks on Linux and the first exchanges pay for JIT compilation: a few
        // unmeasured exchanges first, then enough measured ones that the tick error is small against the total.
        const int warmup = 5;
        const int checkpoints = 120;
        const int spacing = 8_192; // the exchange's cost hardly depends on it (proofs grow with log2 of the size)
        var payload = new byte[32];
        var options = LedgerOptions.Default with { Key = key, CheckpointInterval = Timeout.InfiniteTimeSpan };
        var process = Process.GetCurrentProcess();
        var cpu = TimeSpan.Zero;
        await using (var writer = LedgerWriter.Open(directory, options, TimeProvider.System))
        {
            await using var witnessing = new CheckpointWitnessing(writer, [witness], http);
            for (var c = 0; c < warmup + checkpoints; c++)
            {
                for (var i = 0; i < spacing; i++)
                {
                    writer.Append(LedgerEntryKind.ReadingBatch, payload);
                }

                var checkpoint = await writer.CheckpointAsync(ct);
                process.Refresh();
                var before = process.TotalProcessorTime;
                await witnessing.WitnessAsync(checkpoint, ct);
                process.Refresh();
                if (c >= warmup)
                {
                    cpu += process.TotalProcessorTime - before;
                }
            }
        }

        Directory.Delete(directory, recursive: true);
        return cpu.TotalMilliseconds / checkpoints;
    }

    /// <summary>
    /// Starts <c>twinguard witness serve</c> on a port from <see cref="LoopbackPorts.Free"/>; ready once it says so itself
    /// (its "witness ... on URL" line, written after it bound the port), since another process that took the port
    /// meanwhile could answer a probe. A port taken before it bound it is an address-in-use failure, tried again anew.
    /// </summary>
    private static async Task<(Process Process, string Url)> StartWitnessAsync(string state, List<LedgerPublicKey> logs, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(WitnessBenchmark).Assembly.Location);
        }

        foreach (var arg in (string[])["witness", "serve", "--state-dir", state, "--name", "bench.example/witness", "--urls", url])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var log in logs)
        {
            start.ArgumentList.Add("--log");
            start.ArgumentList.Add(log.VerifierKey);
        }

        var process = Process.Start(start) ?? throw new IOException("could not start the witness process");
        // Read what the child writes, or its pipes fill and it blocks writing its log; the last lines say why it failed.
        var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var ready = $"witness bench.example/witness on {url} ";
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is { } line)
            {
                if (line.StartsWith(ready, StringComparison.Ordinal))
                {
                    listening.TrySetResult();
                }

                said.Enqueue(line);
                while (said.Count > 20 && said.TryDequeue(out string? _))
                {
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (listening.Task.IsCompleted)
            {
                return (process, url);
            }

            if (process.HasExited)
            {
                await process.WaitForExitAsync(ct); // and its output read
                var why = string.Join(" | ", said);
                process.Dispose();
                throw why.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new IOException("the witness process: its port was taken before it bound it: " + why, new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.AddressAlreadyInUse))
                    : new IOException("the witness process exited at start: " + why);
            }

            await Task.Delay(50, ct);
        }

        process.Kill(entireProcessTree: true);
        process.Dispose();
        throw new IOException("the witness process did not start listening within 60 s: " + string.Join(" | ", said));
    }

    private static async Task<(double Rate, double CpuNanoseconds, long Cosigned)> RunAppendAsync(string directory, LedgerKeyOptions key, WitnessEndpoint? witness,
        HttpClient http, int entries, long checkpointEvery, CancellationToken ct)
    {
        var payload = new byte[32];
        new Random(32).NextBytes(payload);
        var options = LedgerOptions.Default with { Key = key, CheckpointEveryEntries = checkpointEvery };
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long cosigned = 0;
        await using (var writer = LedgerWriter.Open(directory, options, TimeProvider.System))
        {
            await using var witnessing = witness is null ? null : new CheckpointWitnessing(writer, [witness], http);
            witnessing?.Start();
            for (var i = 0; i < entries; i++)
            {
                writer.Append(LedgerEntryKind.ReadingBatch, payload);
                if ((i & 0xFFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }
            }

            await writer.FlushAsync(ct);
            clock.Stop();
            cosigned = witnessing?.Cosigned ?? 0;
        }

        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds * 1e9 / entries;
        Directory.Delete(directory, recursive: true);
        return (entries / clock.Elapsed.TotalSeconds, cpu, cosigned);
    }

    private static async Task<CosignResult> MeasureCosigningAsync(string root, CancellationToken ct)
    {
        var directory = Path.Combine(root, "log-10m");
        var key = new LedgerKeyOptions { SigningKeyPath = Path.Combine(root, "keys", "log-10m.pem") };
        var options = LedgerOptions.Default with
        {
            Key = key, FsyncEachBatch = false, MaxBatchBytes = 64 * 1024, CheckpointEveryEntries = LogCheckpointEvery, CheckpointInterval = Timeout.InfiniteTimeSpan,
        };
        var checkpoints = new List<Checkpoint>();
        var requests = new List<string>();
        var build = Stopwatch.StartNew();
        LedgerPublicKey logKey;
        await using (var writer = LedgerWriter.Open(directory, options, TimeProvider.System))
        {
            logKey = LedgerPublicKey.FromVerifierKey(writer.PublicKey.VerifierKey);
            await using var witnessing = new CheckpointWitnessing(writer, [], new HttpClient());
            writer.CheckpointSigned += checkpoints.Add;
            var payload = new byte[16];
            for (var i = 0; i < LogEntries; i++)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(payload, i);
                writer.Append(LedgerEntryKind.ReadingBatch, payload);
            }

            await writer.CheckpointAsync(ct);
            for (var i = 0; i < checkpoints.Count; i++)
            {
                requests.Add(witnessing.AddCheckpointRequest(checkpoints[i], i == 0 ? 0 : checkpoints[i - 1].TreeSize));
            }
        }

        var buildSeconds = build.Elapsed.TotalSeconds;
        var proofHashes = requests.Average(r => r.AsSpan(0, r.IndexOf("\n\n", StringComparison.Ordinal)).Count('\n'));

        using var inProcess = NewWitness(root, "w1", logKey);
        var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var ok = requests.All(r => inProcess.AddCheckpoint(r).Status == 200);
        var inProcessRate = requests.Count / clock.Elapsed.TotalSeconds;
        self.Refresh();
        var cpuRate = requests.Count / (self.TotalProcessorTime - cpuBefore).TotalSeconds; // what the CPU allows; the rest is waiting for fdatasync

        // Pipelined: Window requests in flight, each one's old size the previous checkpoint's (a log catching up, or
        // several logs at once); the witness's group commit lets them share syncs.
        using var pipelined = NewWitness(root, "w3", logKey);
        clock.Restart();
        ok &= await SendPipelinedAsync(requests, r => pipelined.AddCheckpointAsync(r, ct).ContinueWith(t => t.Result.Status, ct, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        var pipelinedRate = requests.Count / clock.Elapsed.TotalSeconds;
        var pipelinedSyncs = pipelined.StateSyncs;

        using var overHttp = NewWitness(root, "w2", logKey);
        var (server, url) = await WitnessServer.StartOnLoopbackAsync(overHttp, ct);
        await using var serverScope = server;
        using var http = new HttpClient();
        var target = new Uri(url + "/add-checkpoint");
        clock.Restart();
        foreach (var request in requests)
        {
            ok &= await PostAsync(http, target, request, ct) == 200;
        }

        var httpRate = requests.Count / clock.Elapsed.TotalSeconds;
        await server.StopAsync(CancellationToken.None);

        using var overHttpPipelined = NewWitness(root, "w4", logKey);
        var (server2, url2) = await WitnessServer.StartOnLoopbackAsync(overHttpPipelined, ct);
        url = url2;
        await using var server2Scope = server2;
        target = new Uri(url + "/add-checkpoint");
        clock.Restart();
        ok &= await SendPipelinedAsync(requests, r => PostAsync(http, target, r, ct));
        var httpPipelinedRate = requests.Count / clock.Elapsed.TotalSeconds;
        var httpPipelinedSyncs = overHttpPipelined.StateSyncs;
        await server2.StopAsync(CancellationToken.None);
        return new CosignResult(LogEntries, requests.Count, proofHashes, buildSeconds, inProcessRate, httpRate, ok)
        {
            PerCpuSecond = cpuRate,
            PipelinedRate = pipelinedRate,
            PipelinedSyncs = pipelinedSyncs,
            HttpPipelinedRate = httpPipelinedRate,
            HttpPipelinedSyncs = httpPipelinedSyncs,
        };
    }

    /// <summary>Requests in flight at once when pipelining.</summary>
    private const int Window = 16;

    private static Witness NewWitness(string root, string name, LedgerPublicKey logKey) =>
        new(WitnessSigningKey.LoadOrCreate(Path.Combine(root, name, "key.pem"), $"bench.example/{name}"), Path.Combine(root, name), [logKey], TimeProvider.System);

    private static async Task<int> PostAsync(HttpClient http, Uri target, string request, CancellationToken ct)
    {
        using var content = new StringContent(request);
        using var response = await http.PostAsync(target, content, ct);
        return (int)response.StatusCode;
    }

    /// <summary>Sends the requests in order with up to <see cref="Window"/> in flight; true when every answer is 200.</summary>
    private static async Task<bool> SendPipelinedAsync(List<string> requests, Func<string, Task<int>> send)
    {
        using var slots = new SemaphoreSlim(Window);
        var answers = new List<Task<int>>(requests.Count);
        foreach (var request in requests)
        {
            await slots.WaitAsync();
            answers.Add(Task.Run(async () =>
            {
                try
                {
                    return await send(request);
                }
                finally
                {
                    slots.Release();
                }
            }));
        }

        return (await Task.WhenAll(answers)).All(status => status == 200);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static void Print(BenchContext context, List<AppendResult> appends, CosignResult cosign)
    {
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";
        if (context.Json)
        {
            context.Output.WriteLine(LedgerJson.Write(w =>
            {
                w.WriteStartObject();
                w.WriteString("benchmark", "witness");
                w.WriteString("loadAverage1m", load);
                w.WriteStartArray("append");
                foreach (var append in appends)
                {
                    var ratio = append.OnRate / append.OffRate;
                    w.WriteStartObject();
                    w.WriteNumber("entries", AppendEntries);
                    w.WriteNumber("checkpointEveryEntries", append.CheckpointEvery);
                    w.WriteNumber("witnessesOffEntriesPerSecond", Math.Round(append.OffRate));
                    w.WriteNumber("witnessesOnEntriesPerSecond", Math.Round(append.OnRate));
                    w.WriteNumber("ratioOnToOff", Math.Round(ratio, 3));
                    w.WriteNumber("witnessesOffCpuNanosecondsPerEntry", Math.Round(append.OffCpu));
                    w.WriteNumber("witnessesOnCpuNanosecondsPerEntry", Math.Round(append.OnCpu));
                    w.WriteNumber("cosignaturesReceived", append.Cosignatures);
                    w.WriteNumber("siteCpuMillisecondsPerCheckpointWitnessed", Math.Round(append.ExchangeCpuMilliseconds, 2));
                    w.WriteNumber("witnessingCpuOverhead", Math.Round(append.Overhead, 4));
                    w.WriteString("runsOff", string.Join(" ", append.Off.Select(r => Math.Round(r).ToString(System.Globalization.CultureInfo.InvariantCulture))));
                    w.WriteString("runsOn", string.Join(" ", append.On.Select(r => Math.Round(r).ToString(System.Globalization.CultureInfo.InvariantCulture))));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartObject("cosign");
                w.WriteNumber("logEntries", cosign.LogEntries);
                w.WriteNumber("checkpoints", cosign.Checkpoints);
                w.WriteNumber("averageProofHashes", Math.Round(cosign.ProofHashes, 1));
                w.WriteNumber("inProcessPerSecond", Math.Round(cosign.InProcessRate));
                w.WriteNumber("overHttpPerSecond", Math.Round(cosign.HttpRate));
                w.WriteNumber("pipelineWindow", Window);
                w.WriteNumber("inProcessPipelinedPerSecond", Math.Round(cosign.PipelinedRate));
                w.WriteNumber("inProcessPipelinedStateSyncs", cosign.PipelinedSyncs);
                w.WriteNumber("overHttpPipelinedPerSecond", Math.Round(cosign.HttpPipelinedRate));
                w.WriteNumber("overHttpPipelinedStateSyncs", cosign.HttpPipelinedSyncs);
                w.WriteNumber("inProcessPerCpuSecond", Math.Round(cosign.PerCpuSecond));
                w.WriteBoolean("allCosigned", cosign.AllCosigned);
                w.WriteEndObject();
                w.WriteEndObject();
            }));
            return;
        }

        context.Output.WriteLine($"load average (1 min) {load}");
        foreach (var append in appends)
        {
            context.Output.WriteLine($"append {AppendEntries:N0} entries, checkpoint every {append.CheckpointEvery:N0}: witnesses off {append.OffRate:N0}/s, on {append.OnRate:N0}/s "
                                     + $"(median of {append.Off.Count}), on/off = {append.OnRate / append.OffRate:0.000}; CPU {append.OffCpu:N0} vs {append.OnCpu:N0} ns/entry; "
                                     + $"{append.Cosignatures} cosignatures; {append.ExchangeCpuMilliseconds:0.00} ms site CPU per checkpoint witnessed "
                                     + $"= {append.Overhead:P2} of the CPU of the entries it covers");
        }

        context.Output.WriteLine($"witness over a {cosign.LogEntries:N0}-entry log: {cosign.Checkpoints} checkpoints, {cosign.ProofHashes:0.0} proof hashes each; "
                                 + $"in process {cosign.InProcessRate:N0}/s ({cosign.PerCpuSecond:N0} per CPU second), over HTTP {cosign.HttpRate:N0}/s; "
                                 + $"pipelined ({Window} in flight): in process {cosign.PipelinedRate:N0}/s ({cosign.PipelinedSyncs} syncs), "
                                 + $"over HTTP {cosign.HttpPipelinedRate:N0}/s ({cosign.HttpPipelinedSyncs} syncs); all cosigned: {cosign.AllCosigned}");
    }

    private sealed record AppendResult(long CheckpointEvery, double OffRate, double OnRate, List<double> Off, List<double> On, double OffCpu, double OnCpu, long Cosignatures)
    {
        /// <summary>Site CPU per witnessed checkpoint, in milliseconds.</summary>
        public double ExchangeCpuMilliseconds { get; init; }

        /// <summary>That CPU as a share of the CPU of appending the entries between two checkpoints at this cadence.</summary>
        public double Overhead => ExchangeCpuMilliseconds * 1e6 / (CheckpointEvery * OffCpu);
    }

    private sealed record CosignResult(long LogEntries, int Checkpoints, double ProofHashes, double BuildSeconds, double InProcessRate, double HttpRate, bool AllCosigned)
    {
        /// <summary>Cosignatures per second of CPU (verify the log's signature and the proof, sign, write the state).</summary>
        public double PerCpuSecond { get; init; }

        /// <summary>Cosignatures per second, in process, <see cref="Window"/> requests in flight.</summary>
        public double PipelinedRate { get; init; }

        /// <summary>State syncs the pipelined in-process witness made (fewer than checkpoints: group commit).</summary>
        public long PipelinedSyncs { get; init; }

        /// <summary>Cosignatures per second over HTTP, <see cref="Window"/> requests in flight.</summary>
        public double HttpPipelinedRate { get; init; }

        /// <summary>State syncs the pipelined HTTP witness made.</summary>
        public long HttpPipelinedSyncs { get; init; }
    }
}
