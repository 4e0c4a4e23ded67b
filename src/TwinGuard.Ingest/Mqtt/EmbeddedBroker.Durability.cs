using System.Collections;
using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Twins.Gate;

namespace TwinGuard.Ingest.Mqtt;

/// <summary>
/// Durable acknowledgements: a QoS 1 PUBACK or QoS 2 PUBREC leaves only once the reading is in the ledger on disk.
/// QoS 0 is at most once (MQTT 5.0 §4.3.1): nothing is acknowledged, nothing is waited for.
/// </summary>
/// <remarks>
/// MQTTnet 5 sends the acknowledgement after the publish interception returns (<c>MqttConnectedClient
/// .HandleIncomingPublishPacket</c> enqueues it), so waiting there would hold the client's receive loop for a whole
/// fsync per message. The wait happens instead where the acknowledgement goes out, in the outbound packet
/// interception on the client's send loop: the receive loop goes on taking publishes, their batches share one group
/// commit, and acknowledgements leave in order as the ledger catches up. The publish interception queues, per
/// connection, what each QoS 1/2 publish waits for (a refused one waits for nothing); the server acknowledges the
/// publishes of a connection in the order it received them, which pairs each PUBACK/PUBREC with its queued wait.
/// When the ledger cannot write, an MQTT 5 client gets reason code 0x80 (unspecified error, MQTT 5.0 §3.4.2.1: the
/// receiver does not accept the publication; 0x83 is a refusal by validation, <see cref="RefusalAnswer"/>); MQTT 3.1.1
/// has no refusal in a PUBACK (§3.4), so its client is disconnected without the acknowledgement and sends the message again on its next connection [MQTT-4.4.0-1].
/// The wait ends with the twin's verdict (<see cref="TwinVerdict"/>): by the time the reading is in the ledger its twin
/// has judged it, so a reading the twin refused (out of range, replayed...) is answered as a gate refusal is
/// (<see cref="RefusalAnswer"/>) instead of Success; MQTT 3.1.1 is acknowledged as before.
/// </remarks>
public sealed partial class EmbeddedBroker
{
    private const string AcknowledgementsKey = "twinguard.acknowledgements";

    /// <summary>Starts the per-connection queue of acknowledgement waits (at CONNECT).</summary>
    private static void TrackAcknowledgements(ValidatingConnectionEventArgs e) =>
        e.SessionItems[AcknowledgementsKey] = new PendingAcknowledgements(e.ProtocolVersion);

    /// <summary>Queues what the acknowledgement of a QoS 1/2 publish must wait for (publish interception).</summary>
    private static void HoldAcknowledgement(InterceptingPublishEventArgs e, Task<TwinVerdict>? kept)
    {
        if (e.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce
            && e.SessionItems?[AcknowledgementsKey] is PendingAcknowledgements pending)
        {
            Interlocked.Increment(ref pending.Unacknowledged);
            pending.Waits.Enqueue(kept ?? TwinVerdict.AcceptedTask);
        }
    }

    /// <summary>
    /// True when the publish being intercepted is the connection's only one not yet acknowledged (a device that waits
    /// for each PUBACK, or the first of a burst): its client sends nothing more until it is acknowledged, so the
    /// receive loop may commit it itself instead of waking the ledger's writing thread (<c>LedgerWriter.AppendAndCommitAsync</c>).
    /// </summary>
    private static bool NothingElseInFlight(InterceptingPublishEventArgs e) =>
        e.SessionItems?[AcknowledgementsKey] is not PendingAcknowledgements pending || Volatile.Read(ref pending.Unacknowledged) == 0;

    private async Task InterceptOutboundAsync(InterceptingPacketEventArgs e)
    {
        if (e.Packet is not (MqttPubAckPacket or MqttPubRecPacket)
            || e.SessionItems?[AcknowledgementsKey] is not PendingAcknowledgements pending
            || !pending.Waits.TryDequeue(out var kept))
        {
            return;
        }

        try
        {
            var verdict = await kept.ConfigureAwait(false);
            if (verdict.Refusal is { } refusal && pending.ProtocolVersion == MqttProtocolVersion.V500)
            {
                Answer(e, RefusalAnswer.For(refusal));
            }

            return;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            LogNotKept(_logger, e.ClientId, ex.Message);
        }
        finally
        {
            Interlocked.Decrement(ref pending.Unacknowledged);
        }

        if (pending.ProtocolVersion == MqttProtocolVersion.V500)
        {
            // The same answer as a gate that failed: 0x80, not a refusal's 0x83, because the same message may be kept
            // when sent again.
            Answer(e, RefusalAnswer.Failed);
            return;
        }

        // MQTT 3.1.1: no acknowledgement; closing the connection is the only refusal the client understands. Not awaited
        // here: this runs on the connection's own send loop, which the disconnect stops.
        e.ProcessPacket = false;
        _ = DisconnectClientAsync(e.ClientId);
    }

    /// <summary>Puts <paramref name="answer"/> in the outgoing PUBACK or PUBREC (MQTT 5 only).</summary>
    private static void Answer(InterceptingPacketEventArgs e, RefusalAnswer.Answer answer)
    {
        var reason = HearsReasonStrings(e.SessionItems) ? answer.ReasonString : null;
        switch (e.Packet)
        {
            case MqttPubAckPacket ack:
                ack.ReasonCode = answer.Code;
                ack.ReasonString = reason;
                break;
            case MqttPubRecPacket rec:
                rec.ReasonCode = (MqttPubRecReasonCode)answer.Code; // MQTT 5.0 §3.5.2.1: the PUBACK values
                rec.ReasonString = reason;
                break;
        }
    }

    private async Task DisconnectClientAsync(string clientId)
    {
        foreach (var client in await _server.GetClientsAsync().ConfigureAwait(false))
        {
            if (client.Id == clientId)
            {
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.ImplementationSpecificError }).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publish from client {ClientId} not acknowledged: {Error}")]
    private static partial void LogNotKept(ILogger logger, string clientId, string error);

    /// <summary>The acknowledgement waits of one connection, oldest first.</summary>
    private sealed class PendingAcknowledgements(MqttProtocolVersion protocolVersion)
    {
        public MqttProtocolVersion ProtocolVersion { get; } = protocolVersion;

        public ConcurrentQueue<Task<TwinVerdict>> Waits { get; } = new();

        /// <summary>QoS 1/2 publishes received and not yet acknowledged (queued, or their acknowledgement waiting).</summary>
        public int Unacknowledged;
    }
}
