namespace TwinGuard.Twins.Respond;

/// <summary>Where alerts go.</summary>
public enum NotifierKind
{
    /// <summary>Syslog (RFC 5424) carrying CEF, over UDP (RFC 5426) or TCP (RFC 6587 octet counting).</summary>
    Syslog,

    /// <summary>An HTTP POST of a JSON body signed with HMAC-SHA256.</summary>
    Webhook,

    /// <summary>One ECS JSON document per line in a file, for Elastic (Filebeat or Elastic Agent).</summary>
    EcsFile,
}
