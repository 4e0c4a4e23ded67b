using System.Text.Json.Serialization;

namespace TwinGuard.Twins.Respond;

/// <summary>The queue's line encoding (a JSON string), generated at build time so that the queue also runs trimmed and Native AOT (the edge agent).</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ForwardLine))]
internal sealed partial class ForwardQueueJson : JsonSerializerContext;
