namespace TwinGuard.Server.Commands;

/// <summary>One silo in <c>twinguard cluster status</c>.</summary>
/// <param name="Address">Its Orleans address (S, then ip:port:generation).</param>
/// <param name="Name">Its name.</param>
/// <param name="Status">Active, Dead, Joining, ShuttingDown...</param>
/// <param name="Started">When it started.</param>
/// <param name="Twins">Twin grains active on it.</param>
/// <param name="Relations">Relation grains active on it.</param>
/// <param name="Activations">All its activations.</param>
/// <param name="CpuPercent">Its process's CPU use, when active.</param>
/// <param name="MemoryMb">Its process's memory, when active.</param>
/// <param name="ReceivedMessages">Orleans messages it received.</param>
/// <param name="SentMessages">Orleans messages it sent.</param>
/// <param name="TwinIds">The assets whose twins are active on it.</param>
internal sealed record SiloStatusEntry(
    string Address, string Name, string Status, DateTime Started, long Twins, long Relations, long Activations,
    double? CpuPercent, double? MemoryMb, long ReceivedMessages, long SentMessages, IReadOnlyList<string> TwinIds);
