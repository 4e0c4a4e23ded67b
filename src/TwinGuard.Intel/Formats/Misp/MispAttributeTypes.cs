using TwinGuard.Intel.Indicators;

namespace TwinGuard.Intel.Formats.Misp;

/// <summary>
/// The MISP attribute types TwinGuard matches, and which part of a composite value (<c>ip-dst|port</c>) holds what.
/// </summary>
/// <remarks>MISP core format (draft-dulaunoy-misp-core-format) §2.3.3 lists the types; composite types hold
/// two values separated by <c>|</c>.</remarks>
internal static class MispAttributeTypes
{
    private static readonly Dictionary<string, IndicatorType?[]> Types = new(StringComparer.Ordinal)
    {
        ["ip-src"] = [IndicatorType.IPAddress],
        ["ip-dst"] = [IndicatorType.IPAddress],
        ["ip-src|port"] = [IndicatorType.IPAddress, null],
        ["ip-dst|port"] = [IndicatorType.IPAddress, null],
        ["domain"] = [IndicatorType.Domain],
        ["domain|ip"] = [IndicatorType.Domain, IndicatorType.IPAddress],
        ["hostname"] = [IndicatorType.Hostname],
        ["hostname|port"] = [IndicatorType.Hostname, null],
        ["url"] = [IndicatorType.Url],
        ["md5"] = [IndicatorType.Md5],
        ["sha1"] = [IndicatorType.Sha1],
        ["sha256"] = [IndicatorType.Sha256],
        ["filename|md5"] = [null, IndicatorType.Md5],
        ["filename|sha1"] = [null, IndicatorType.Sha1],
        ["filename|sha256"] = [null, IndicatorType.Sha256],
    };

    /// <summary>Which indicator type each <c>|</c>-separated part is (null: not an indicator); null if the type is not matched.</summary>
    public static IndicatorType?[]? Parts(string mispType) => Types.GetValueOrDefault(mispType);

    /// <summary>The MISP type for an indicator type, as the sightings export writes it.</summary>
    public static string ToMisp(IndicatorType type, bool source) => type switch
    {
        IndicatorType.IPAddress => source ? "ip-src" : "ip-dst",
        IndicatorType.Domain => "domain",
        IndicatorType.Hostname => "hostname",
        IndicatorType.Url => "url",
        IndicatorType.Md5 => "md5",
        IndicatorType.Sha1 => "sha1",
        _ => "sha256",
    };
}
