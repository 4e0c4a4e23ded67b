namespace TwinGuard.Server.Api;

/// <summary>One line of an incident's timeline.</summary>
/// <param name="Time">When.</param>
/// <param name="Kind"><c>opened</c>, <c>finding</c>, <c>action</c>, <c>approval</c>, <c>quarantine</c>, <c>release</c> or <c>verdict</c>.</param>
/// <param name="Text">What happened.</param>
/// <param name="By">Who, when it was someone or something's decision.</param>
internal sealed record TimelineEntry(DateTimeOffset Time, string Kind, string Text, string? By);
