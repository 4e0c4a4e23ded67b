namespace TwinGuard.Twins.Tests.Respond;

/// <summary>A fact that needs a network namespace: skipped, saying why, only where the kernel refuses to create one.</summary>
internal sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetworkNamespace.Unavailable is { } why)
        {
            Skip = why;
        }
    }
}
