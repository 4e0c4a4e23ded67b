using System.Text.Json.Serialization;

namespace TwinGuard.Twins.Respond;

/// <summary>One line of a <see cref="ForwardQueue"/>: when it was queued (Unix milliseconds) and the message.</summary>
/// <param name="At">When the message was queued, in milliseconds since the Unix epoch (what retention by age reads).</param>
/// <param name="Message">The rendered message.</param>
internal sealed record ForwardLine([property: JsonPropertyName("at")] long At, [property: JsonPropertyName("m")] string Message);
