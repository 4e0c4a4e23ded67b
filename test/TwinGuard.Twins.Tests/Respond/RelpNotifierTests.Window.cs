using Microsoft.Extensions.Logging.Abstractions;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Twins.Tests.Respond;

/// <summary>A window of several RELP messages in flight: in order to a real rsyslogd, and a hand-made server that
/// answers as no conforming collector would.</summary>
public sealed partial class RelpNotifierTests
{
    [Fact]
    public async Task DeliverRunAsync_ManyFindingsWithTheDefaultWindow_AllArriveOnceInOrder()
    {
        const int Findings = 5000;
        using var collector = new RsyslogRelpCollector();
        await collector.StartAsync();
        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", collector.Port, Tcp: true) { Relp = true, Window = NotifierModel.DefaultRelpWindow };
        var plan = ResponsePlan.Empty with { Notifiers = [model], Forwarding = [new ForwardRule("soc", Severity.Info, [])] };
        using var notifier = new RelpNotifier(model, TimeProvider.System);
        using var forwarder = new FindingForwarder(plan, [notifier], "north", _dir, TimeProvider.System, NullLogger<FindingForwarder>.Instance);
        using var stop = new CancellationTokenSource();
        var delivering = forwarder.RunAsync(stop.Token);

        for (var id = 1; id <= Findings; id++)
        {
            forwarder.Observe(id, Finding(id));
        }

        await Eventually.HoldsAsync(() => forwarder.Status[0].Delivered, d => d == Findings, TimeSpan.FromSeconds(120), $"{Findings} findings acknowledged");
        await stop.CancelAsync();
        await delivering;

        Assert.Equal(Enumerable.Range(1, Findings).Select(i => (long)i), Ids(collector.Received()));
        Assert.Equal(0, forwarder.Status[0].Depth);
    }

    [Theory]
    [InlineData("out-of-order", 1)]
    [InlineData("wrong-txnr", 0)]
    [InlineData("refused", 2)]
    [InlineData("closed", 2)]
    public async Task DeliverRunAsync_CollectorMisbehavesMidWindow_QueueAdvancesOnlyPastAnsweredAndTheRestIsSentAgain(string misbehaviour, int answered)
    {
        const int Findings = 5;
        using var server = new HandMadeRelpServer();
        var model = new NotifierModel(NotifierKind.Syslog, "soc", "127.0.0.1", server.Port, Tcp: true) { Relp = true, Window = 8 };
        var plan = ResponsePlan.Empty with { Notifiers = [model], Forwarding = [new ForwardRule("soc", Severity.Info, [])] };
        using var notifier = new RelpNotifier(model, TimeProvider.System);
        using var forwarder = new FindingForwarder(plan, [notifier], "north", _dir, TimeProvider.System, NullLogger<FindingForwarder>.Instance);
        for (var id = 1; id <= Findings; id++)
        {
            forwarder.Observe(id, Finding(id));
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stop = new CancellationTokenSource();
        var delivering = forwarder.RunAsync(stop.Token);

        using (var first = await server.AcceptOpenedAsync(deadline.Token))
        {
            // The whole run is in flight before the server answers anything, with consecutive transaction numbers.
            var frames = new List<(int Txnr, string Command, string Data)>();
            for (var i = 0; i < Findings; i++)
            {
                frames.Add(await first.ReadFrameAsync(deadline.Token));
            }

            Assert.Equal(Enumerable.Range(1, Findings).Select(i => (long)i), Ids(frames.Select(f => f.Data)));
            Assert.Equal(Enumerable.Range(frames[0].Txnr, Findings), frames.Select(f => f.Txnr));
            Assert.All(frames, f => Assert.Equal("syslog", f.Command));
            switch (misbehaviour)
            {
                case "out-of-order":
                    await first.AnswerAsync(frames[0].Txnr, "200 OK", deadline.Token);
                    await first.AnswerAsync(frames[2].Txnr, "200 OK", deadline.Token);
                    break;
                case "wrong-txnr":
                    await first.AnswerAsync(frames[^1].Txnr + 100, "200 OK", deadline.Token);
                    break;
                case "refused":
                    await first.AnswerAsync(frames[0].Txnr, "200 OK", deadline.Token);
                    await first.AnswerAsync(frames[1].Txnr, "200 OK", deadline.Token);
                    await first.AnswerAsync(frames[2].Txnr, "500 queue full", deadline.Token);
                    break;
            }

            if (misbehaviour == "closed")
            {
                await first.AnswerAsync(frames[0].Txnr, "200 OK", deadline.Token);
                await first.AnswerAsync(frames[1].Txnr, "200 OK", deadline.Token);
            }
            else
            {
                // The client itself breaks the session on the answer it cannot accept.
                await first.ClosedByClientAsync(deadline.Token);
            }
        }

        // A new session: before it is open, the queue has moved past exactly the answered prefix.
        using var second = await server.AcceptAsync(deadline.Token);
        Assert.Equal((Findings - answered, (long)answered), (forwarder.Status[0].Depth, forwarder.Status[0].Delivered));
        await second.AnswerOpenAsync(deadline.Token);
        var again = new List<(int Txnr, string Command, string Data)>();
        for (var i = answered; i < Findings; i++)
        {
            again.Add(await second.ReadFrameAsync(deadline.Token));
        }

        Assert.Equal(Enumerable.Range(answered + 1, Findings - answered).Select(i => (long)i), Ids(again.Select(f => f.Data)));
        foreach (var frame in again)
        {
            await second.AnswerAsync(frame.Txnr, "200 OK", deadline.Token);
        }

        await Eventually.HoldsAsync(() => forwarder.Status[0].Delivered, d => d == Findings, TimeSpan.FromSeconds(30), "every finding acknowledged");
        Assert.Equal(0, forwarder.Status[0].Depth);
        await stop.CancelAsync();
        await delivering;
    }
}
