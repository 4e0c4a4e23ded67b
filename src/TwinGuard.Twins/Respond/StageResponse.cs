namespace TwinGuard.Twins.Respond;

/// <summary>
/// What the respond stage did for one stage of an incident: the playbooks that ran on it, the containments they put in
/// force and the approvals they asked for. A repeat of the stage (folded by the correlate stage) is answered again only
/// when none of that containment is still in force and no approval is still waiting.
/// </summary>
internal sealed class StageResponse
{
    /// <summary>The ids of the playbooks that ran on the stage.</summary>
    public HashSet<string> Playbooks { get; } = new(StringComparer.Ordinal);

    /// <summary>The quarantine store's entries that hold the stage's containment (including those put in force on approval).</summary>
    public List<long> Holds { get; } = [];

    /// <summary>The approvals the stage's playbooks asked for.</summary>
    public List<long> Approvals { get; } = [];

    /// <summary>Forgets the stage's answer so its playbooks run again.</summary>
    public void Reset()
    {
        Playbooks.Clear();
        Holds.Clear();
        Approvals.Clear();
    }
}
