using Microsoft.Extensions.Time.Testing;
using TwinGuard.Ledger.Checkpoints;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>A ledger whose key and pin live apart from it, with one in-process witness cosigning each checkpoint.</summary>
internal sealed class WitnessedLedger : IDisposable
{
    private readonly TempDirectory _keys = new();
    private readonly TempDirectory _state = new();

    public TempDirectory Ledger { get; } = new();

    public string KeyPath => Path.Combine(_keys.Path, "site.pem");

    public string PinPath => Path.Combine(_keys.Path, "site.vkey");

    public WitnessSigningKey WitnessKey { get; private set; } = null!;

    public Witness Witness { get; private set; } = null!;

    public LedgerOptions Options => TestLedger.SmallSegments() with
    {
        Key = new LedgerKeyOptions { SigningKeyPath = KeyPath, PinPath = PinPath },
    };

    /// <summary>Writes <paramref name="entries"/> entries, a checkpoint every <paramref name="every"/>, each sent to the witness.</summary>
    public async Task WriteAsync(int entries, int every)
    {
        var time = new FakeTimeProvider(TestLedger.Start);
        WitnessKey = WitnessSigningKey.LoadOrCreate(Path.Combine(_state.Path, "witness.pem"), "witness.example/w1");
        await using var writer = LedgerWriter.Open(Ledger.Path, Options, time);
        Witness = new Witness(WitnessKey, _state.Path, [LedgerPublicKey.Load(PinPath)], time);
        using var http = new HttpClient(new InProcessWitness(Witness));
        await using var witnessing = new CheckpointWitnessing(writer, [new WitnessEndpoint(new Uri("http://witness.test/"), WitnessKey.PublicKey)], http);
        var problems = new List<string>();
        witnessing.Problem += problems.Add;
        witnessing.Start();
        for (var i = 0; i < entries; i++)
        {
            writer.Append(LedgerEntryKind.Finding, TestLedger.Payload(i, 40));
            if ((i + 1) % every == 0)
            {
                Assert.Equal(1, await witnessing.WitnessAsync(await writer.CheckpointAsync()));
            }
        }

        Assert.Empty(problems);
    }

    public void Dispose()
    {
        Witness?.Dispose();
        Ledger.Dispose();
        _keys.Dispose();
        _state.Dispose();
    }
}
