namespace TwinGuard.Server.Api;

/// <summary>A playbook as loaded.</summary>
/// <param name="Id">Id.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Location">Where it is defined (<c>file:line</c>).</param>
/// <param name="MinSeverity">Lowest incident severity it answers.</param>
/// <param name="Reasons">Finding reasons it answers (empty: any).</param>
/// <param name="Assets">Assets it answers (empty: any).</param>
/// <param name="Actions">Its actions as written, with <c>(approval)</c> where an operator must approve.</param>
internal sealed record PlaybookView(string Id, string Description, string Location, string MinSeverity, IReadOnlyList<string> Reasons,
    IReadOnlyList<string> Assets, IReadOnlyList<string> Actions);
