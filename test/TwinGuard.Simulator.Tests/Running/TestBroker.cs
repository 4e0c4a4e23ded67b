using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MQTTnet.Protocol;
using MQTTnet.Server;
using TwinGuard.Server.Hosting;

namespace TwinGuard.Simulator.Tests.Running;

/// <summary>
/// A real MQTTnet broker on a free loopback port that authenticates the plant's devices and enforces their topics
/// from samples/plant.yaml, the way TwinGuard's ingest is specified to, and records everything it sees.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly MqttServer _server;
    private readonly ConcurrentDictionary<string, bool> _contained = new();

    private TestBroker(MqttServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    public ConcurrentQueue<ConnectionAttempt> Connections { get; } = new();

    public ConcurrentQueue<ReceivedMessage> Messages { get; } = new();

    /// <summary>
    /// How long a refusal takes (a real broker's password check costs a PBKDF2 on purpose); zero by default.
    /// </summary>
    public TimeSpan RefusalTime { get; set; }

    /// <summary>For each refusal that took <see cref="RefusalTime"/>: how many messages arrived meanwhile.</summary>
    public ConcurrentQueue<int> MessagesDuringRefusals { get; } = new();

    /// <summary>Called for every intercepted publish, after it is recorded.</summary>
    public Action<ReceivedMessage>? OnMessage { get; set; }

    /// <summary>Starts it, again on a new port when the one picked was taken before MQTTnet bound it (CI runs test processes side by side).</summary>
    public static Task<TestBroker> StartAsync() => LoopbackPorts.StartOnFreePortsAsync(() => StartOnAsync(LoopbackPorts.Free()));

    private static async Task<TestBroker> StartOnAsync(int port)
    {
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var broker = new TestBroker(server, port);
        var topics = PlantYaml.Sample.DeviceTopics;
        server.ValidatingConnectionAsync += async e =>
        {
            var accepted = e.UserName is not null && topics.ContainsKey(e.UserName) && e.Password == "demo-" + e.UserName
                && !broker._contained.ContainsKey(e.UserName);
            broker.Connections.Enqueue(new ConnectionAttempt(e.ClientId, e.UserName, e.Password, accepted));
            if (!accepted)
            {
                if (broker.RefusalTime > TimeSpan.Zero)
                {
                    var before = broker.Messages.Count;
                    await Task.Delay(broker.RefusalTime);
                    broker.MessagesDuringRefusals.Enqueue(broker.Messages.Count - before);
                }

                e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }
        };
        server.InterceptingPublishAsync += e =>
        {
            var user = e.UserName ?? string.Empty;
            var topic = e.ApplicationMessage.Topic;
            var allowed = topics.TryGetValue(user, out var filters) && filters.Any(f => PlantYaml.TopicMatches(f, topic));
            e.ProcessPublish = allowed;
            var message = new ReceivedMessage(e.ClientId, user, topic, e.ApplicationMessage.Payload.ToArray(), allowed);
            broker.Messages.Enqueue(message);
            broker.OnMessage?.Invoke(message);
            return Task.CompletedTask;
        };
        try
        {
            await server.StartAsync();
        }
        catch
        {
            server.Dispose();
            throw;
        }

        return broker;
    }

    /// <summary>What a containment playbook does: disconnects a device and refuses its reconnection.</summary>
    public async Task ContainAsync(string userName)
    {
        _contained[userName] = true;
        foreach (var clientId in Connections.Where(c => c.Accepted && c.UserName == userName).Select(c => c.ClientId).Distinct())
        {
            await _server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.AdministrativeAction });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }


    internal sealed record ConnectionAttempt(string ClientId, string? UserName, string? Password, bool Accepted);

    internal sealed record ReceivedMessage(string ClientId, string UserName, string Topic, byte[] Payload, bool Allowed);
}
