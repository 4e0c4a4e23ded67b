using TwinGuard.Ingest.Mqtt.PreLogin;

namespace TwinGuard.EndToEnd.Tests;

/// <summary>Waits on the broker's admission counts.</summary>
internal static class AdmissionProbes
{
    /// <summary>Waits until <paramref name="open"/> connections are open; returns the count.</summary>
    public static Task<int> OpenEventuallyAsync(this AddressAdmission admission, int open) =>
        Eventually.HoldsAsync(() => admission.Open, n => n == open, TimeSpan.FromSeconds(10), $"{open} open connections");
}
