namespace TwinGuard.EndToEnd.Tests.Network;

/// <summary>A test that needs <see cref="PlantNetwork"/>: skipped, saying why, where namespaces cannot be made.</summary>
internal sealed class PlantNetworkFactAttribute : FactAttribute
{
    public PlantNetworkFactAttribute()
    {
        if (PlantNetwork.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}
