namespace TwinGuard.Ingest.OpcUa.Encoding;

/// <summary>The status codes the client acts on or names (OPC 10000-6 Annex A, StatusCode.csv).</summary>
public static class StatusCodes
{
    public static readonly StatusCode Good = new(0);
    public static readonly StatusCode BadUnexpectedError = new(0x80010000);
    public static readonly StatusCode BadInternalError = new(0x80020000);
    public static readonly StatusCode BadCommunicationError = new(0x80050000);
    public static readonly StatusCode BadEncodingError = new(0x80060000);
    public static readonly StatusCode BadDecodingError = new(0x80070000);
    public static readonly StatusCode BadEncodingLimitsExceeded = new(0x80080000);
    public static readonly StatusCode BadTimeout = new(0x800A0000);
    public static readonly StatusCode BadServiceUnsupported = new(0x800B0000);
    public static readonly StatusCode BadShutdown = new(0x800C0000);
    public static readonly StatusCode BadServerNotConnected = new(0x800D0000);
    public static readonly StatusCode BadNothingToDo = new(0x800F0000);
    public static readonly StatusCode BadTooManyOperations = new(0x80100000);
    public static readonly StatusCode BadSecurityChecksFailed = new(0x80130000);
    public static readonly StatusCode BadCertificateInvalid = new(0x80120000);
    public static readonly StatusCode BadIdentityTokenInvalid = new(0x80200000);
    public static readonly StatusCode BadIdentityTokenRejected = new(0x80210000);
    public static readonly StatusCode BadSecureChannelIdInvalid = new(0x80220000);
    public static readonly StatusCode BadNonceInvalid = new(0x80240000);
    public static readonly StatusCode BadSessionIdInvalid = new(0x80250000);
    public static readonly StatusCode BadSessionClosed = new(0x80260000);
    public static readonly StatusCode BadSessionNotActivated = new(0x80270000);
    public static readonly StatusCode BadSubscriptionIdInvalid = new(0x80280000);
    public static readonly StatusCode BadNodeIdInvalid = new(0x80330000);
    public static readonly StatusCode BadNodeIdUnknown = new(0x80340000);
    public static readonly StatusCode BadAttributeIdInvalid = new(0x80350000);
    public static readonly StatusCode BadUserAccessDenied = new(0x801F0000);
    public static readonly StatusCode BadSecurityPolicyRejected = new(0x80550000);
    public static readonly StatusCode BadTooManyPublishRequests = new(0x80780000);
    public static readonly StatusCode BadNoSubscription = new(0x80790000);
    public static readonly StatusCode BadSequenceNumberUnknown = new(0x807A0000);
    public static readonly StatusCode BadMessageNotAvailable = new(0x807B0000);
    public static readonly StatusCode BadProtocolVersionUnsupported = new(0x80BE0000);
    public static readonly StatusCode BadTcpMessageTypeInvalid = new(0x807E0000);
    public static readonly StatusCode BadTcpSecureChannelUnknown = new(0x807F0000);
    public static readonly StatusCode BadTcpMessageTooLarge = new(0x80800000);
    public static readonly StatusCode BadTcpInternalError = new(0x80820000);
    public static readonly StatusCode BadTcpEndpointUrlInvalid = new(0x80830000);
    public static readonly StatusCode BadSecureChannelClosed = new(0x80860000);
    public static readonly StatusCode BadSecureChannelTokenUnknown = new(0x80870000);
    public static readonly StatusCode BadSequenceNumberInvalid = new(0x80880000);
    public static readonly StatusCode BadConnectionClosed = new(0x80AE0000);
    public static readonly StatusCode BadSensorFailure = new(0x808C0000);
    public static readonly StatusCode BadOutOfService = new(0x808D0000);
    public static readonly StatusCode BadWaitingForInitialData = new(0x80320000);
    public static readonly StatusCode BadCertificateUntrusted = new(0x801A0000);
    public static readonly StatusCode UncertainLastUsableValue = new(0x40900000);
    public static readonly StatusCode UncertainSensorNotAccurate = new(0x40930000);

    private static readonly Dictionary<uint, string> Names = typeof(StatusCodes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.FieldType == typeof(StatusCode))
        .GroupBy(f => ((StatusCode)f.GetValue(null)!).Code)
        .ToDictionary(g => g.Key, g => g.First().Name);

    /// <summary>The symbolic name of <paramref name="status"/> (its info bits ignored), or null when not one of these.</summary>
    public static string? NameOf(StatusCode status) => Names.GetValueOrDefault(status.SubCode);
}
