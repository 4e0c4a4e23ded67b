using System.Collections.Frozen;
using System.Text;

namespace TwinGuard.Twins.Findings;

/// <summary>Names and default severities of <see cref="ReasonCode"/>s.</summary>
public static class ReasonCodes
{
    private static readonly string[] Names = Enum.GetValues<ReasonCode>().Select(ToSnakeCase).ToArray();
    private static readonly FrozenDictionary<string, ReasonCode> ByName =
        Enum.GetValues<ReasonCode>().ToFrozenDictionary(c => Names[(int)c], c => c, StringComparer.Ordinal);

    /// <summary>The snake_case name, e.g. <c>out_of_range</c>.</summary>
    public static string Name(this ReasonCode code) => Names[(int)code];

    /// <summary>The code with this snake_case name.</summary>
    public static bool TryParse(string name, out ReasonCode code) => ByName.TryGetValue(name, out code);

    /// <summary>All names, for help texts and validation of configuration.</summary>
    public static IReadOnlyList<string> AllNames => Names;

    /// <summary>True for reasons that concern who sent the data rather than what it says.</summary>
    public static bool IsAboutSource(this ReasonCode code) => code <= ReasonCode.Flooding
        || code is ReasonCode.UnexpectedAddress or ReasonCode.CertificateRequired or ReasonCode.BadCertificate or ReasonCode.RetainRefused or ReasonCode.ProtocolViolation;

    /// <summary>The severity a finding of this reason starts with, before the signal's criticality is taken into account.</summary>
    public static Severity DefaultSeverity(this ReasonCode code) => code switch
    {
        ReasonCode.UnknownSource or ReasonCode.BadCredentials or ReasonCode.UnauthorisedTopic or ReasonCode.UnexpectedAddress => Severity.High,
        ReasonCode.CertificateRequired or ReasonCode.BadCertificate or ReasonCode.ProtocolViolation => Severity.High,
        ReasonCode.ReplayedSequence or ReasonCode.Flooding or ReasonCode.IntelMatch => Severity.High,
        ReasonCode.OperatingLimit => Severity.High, // the process is where it must not be: critical on a high-criticality signal
        ReasonCode.Quarantined => Severity.Low,
        ReasonCode.ForbiddenFunction or ReasonCode.ForbiddenWrite or ReasonCode.ForbiddenValue or ReasonCode.UnexpectedWrite => Severity.High,
        ReasonCode.RegisterWrite => Severity.Info,
        ReasonCode.SequenceRollback or ReasonCode.ServerCertificateChanged or ReasonCode.SecurityDowngrade => Severity.High,
        ReasonCode.LedgerSignerDistrusted => Severity.Critical,
        ReasonCode.CheckpointRefused => Severity.High,
        ReasonCode.Stale or ReasonCode.UnknownSignal or ReasonCode.UnknownAsset => Severity.Low,
        _ => Severity.Medium,
    };

    /// <summary>True for a write the plant model does not allow: refused by the guard, or seen by polling to bypass it.</summary>
    public static bool IsUnexpectedWrite(this ReasonCode code) => code is ReasonCode.ForbiddenWrite or ReasonCode.ForbiddenValue or ReasonCode.UnexpectedWrite;

    /// <summary>True for findings that say the process itself behaves abnormally (validation and detection).</summary>
    public static bool IsProcessAnomaly(this ReasonCode code) => code is ReasonCode.OutOfRange or ReasonCode.RateOfChange
        or ReasonCode.Frozen or ReasonCode.StatisticalOutlier or ReasonCode.PersistentShift or ReasonCode.MultivariateAnomaly
        or ReasonCode.RelationViolated or ReasonCode.OperatingLimit;

    private static string ToSnakeCase(ReasonCode code)
    {
        var name = code.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                builder.Append('_');
            }

            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }
}
