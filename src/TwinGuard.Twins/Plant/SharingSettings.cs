namespace TwinGuard.Twins.Plant;

/// <summary>This site's side of sharing (the <c>sharing:</c> section): its role and the certificate it shows peers.</summary>
/// <param name="Role"><c>site</c> or <c>soc</c> (a SOC lists the incidents of every site that shares with it).</param>
/// <param name="CertificateFile">The client certificate this site presents to its peers' brokers (PEM); null: it only receives.</param>
/// <param name="KeyFile">Its private key (PEM).</param>
public sealed record SharingSettings(string Role, string? CertificateFile, string? KeyFile)
{
    /// <summary>Not sharing: a site with no <c>sharing:</c> section.</summary>
    public static SharingSettings None { get; } = new("site", null, null);

    /// <summary>Largest outbox per peer on disk, bytes.</summary>
    /// <value>64 MiB.</value>
    public long OutboxBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>True for a SOC.</summary>
    public bool IsSoc => string.Equals(Role, "soc", StringComparison.Ordinal);
}
