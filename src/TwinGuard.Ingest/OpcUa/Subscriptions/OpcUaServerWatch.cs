using System.Security.Cryptography;
using TwinGuard.Ingest.OpcUa.SecureChannel;
using TwinGuard.Ingest.OpcUa.Services;
using TwinGuard.Twins.Plant;

namespace TwinGuard.Ingest.OpcUa.Subscriptions;

/// <summary>
/// What TwinGuard remembers about one OPC UA server between connections, to notice when the server itself changes: its
/// certificate (pinned, or as first seen) and the security its endpoints offer.
/// </summary>
internal sealed class OpcUaServerWatch(OpcUaDeviceModel device)
{
    private string? _firstCertificate;
    private (int Policy, int Mode)? _firstStrongest;
    private string? _reportedCertificate;
    private string? _reportedDowngrade;

    /// <summary>The SHA-256 of a certificate, lower-case hex.</summary>
    public static string Fingerprint(byte[] certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate));

    /// <summary>
    /// Checks the certificate the server presented. Returns a description when it is not the pinned one (then the
    /// client must not go on) or not the one first seen in this run; null when it is as expected. Each new certificate
    /// is described once.
    /// </summary>
    public (string? Problem, bool Refuse) CheckCertificate(byte[] certificate)
    {
        var fingerprint = Fingerprint(certificate);
        string? problem = null;
        var refuse = false;
        if (device.ServerCertificateSha256 is { } pinned && pinned != fingerprint)
        {
            problem = $"OPC UA server '{device.Id}' presented certificate SHA-256 {fingerprint}, not the pinned {pinned}: refusing its data";
            refuse = true;
        }
        else if (_firstCertificate is { } first && first != fingerprint)
        {
            problem = $"OPC UA server '{device.Id}' presented certificate SHA-256 {fingerprint}; it presented {first} before";
        }

        _firstCertificate ??= fingerprint;
        if (problem is null || _reportedCertificate == fingerprint)
        {
            return (null, refuse);
        }

        _reportedCertificate = fingerprint;
        return (problem, refuse);
    }

    /// <summary>
    /// Checks the endpoints offered: an endpoint weaker than the configured security, or a strongest offer weaker than
    /// the one first seen (the secure endpoints were removed), is a downgrade. Returns its description once per change.
    /// </summary>
    public string? CheckEndpoints(IReadOnlyList<EndpointDescription> endpoints)
    {
        if (endpoints.Count == 0)
        {
            return Report($"OPC UA server '{device.Id}' offers no endpoint at all");
        }

        var configured = (SecurityPolicies.Strength(SecurityPolicies.FromName(device.SecurityPolicy)), (int)device.SecurityMode);
        var weakest = endpoints.Select(Rank).Min();
        var strongest = endpoints.Select(Rank).Max();
        string? problem = null;
        if (weakest.CompareTo(configured) < 0)
        {
            var e = endpoints.First(x => Rank(x) == weakest);
            problem = $"OPC UA server '{device.Id}' offers {Describe(e)}, weaker than the configured {device.SecurityPolicy}/{device.SecurityMode}";
        }
        else if (_firstStrongest is { } first && strongest.CompareTo(first) < 0)
        {
            var e = endpoints.First(x => Rank(x) == strongest);
            problem = $"OPC UA server '{device.Id}' now offers at best {Describe(e)}; it offered {SecurityName(first)} before";
        }

        _firstStrongest ??= strongest;
        return problem is null ? Clear() : Report(problem);
    }

    private string? Report(string problem)
    {
        if (_reportedDowngrade == problem)
        {
            return null;
        }

        _reportedDowngrade = problem;
        return problem;
    }

    private string? Clear()
    {
        _reportedDowngrade = null;
        return null;
    }

    private static (int Policy, int Mode) Rank(EndpointDescription e) => (SecurityPolicies.Strength(e.SecurityPolicyUri), (int)e.SecurityMode);

    private static string Describe(EndpointDescription e) => $"{SecurityPolicies.ShortName(e.SecurityPolicyUri)}/{e.SecurityMode}";

    private static string SecurityName((int Policy, int Mode) rank) =>
        $"{(rank.Policy switch { 0 => "None", 1 => "a SHA-1 policy", _ => "a SHA-256 policy" })}/{(MessageSecurityMode)rank.Mode}";
}
