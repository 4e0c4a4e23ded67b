namespace TwinGuard.Twins.Respond;

/// <summary>A declarative response: when an incident matches the trigger and the conditions hold, run the actions in order.</summary>
/// <param name="Id">Identifier, unique in its file; recorded with every action it takes.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Trigger">Which incidents it answers.</param>
/// <param name="Conditions">What must further hold.</param>
/// <param name="Actions">What it does, in order.</param>
/// <param name="Location">Where it is defined (<c>file:line</c>).</param>
public sealed record Playbook(
    string Id,
    string Description,
    PlaybookTrigger Trigger,
    PlaybookConditions Conditions,
    IReadOnlyList<PlaybookAction> Actions,
    string Location);
