namespace TwinGuard.Twins.Findings;

/// <summary>Why data was refused or a finding raised. Stable: names appear in the database, the API and SIEM alerts.</summary>
/// <remarks>Printed in snake_case by <see cref="ReasonCodes.Name"/> (e.g. <c>out_of_range</c>).</remarks>
public enum ReasonCode
{
    // Gate: who may send what.

    /// <summary>A client that is not a device of the plant model tried to connect.</summary>
    UnknownSource,

    /// <summary>A known device presented the wrong password.</summary>
    BadCredentials,

    /// <summary>A device published to a topic outside its allowed filters.</summary>
    UnauthorisedTopic,

    /// <summary>The topic names an asset the plant model does not have.</summary>
    UnknownAsset,

    /// <summary>The payload names a signal the asset does not have.</summary>
    UnknownSignal,

    /// <summary>The source, asset or signal is quarantined.</summary>
    Quarantined,

    /// <summary>A device sends far faster than its signals' expected periods allow.</summary>
    Flooding,

    // Validate: is the data itself credible.

    /// <summary>The payload is not a reading as docs/readings.md defines it.</summary>
    Malformed,

    /// <summary>A value is not a number.</summary>
    WrongType,

    /// <summary>A value is NaN or infinite.</summary>
    NonFinite,

    /// <summary>A value is outside the signal's valid range.</summary>
    OutOfRange,

    /// <summary>A value changed faster than the signal's maximum rate.</summary>
    RateOfChange,

    /// <summary>A timestamp is too far in the future.</summary>
    FutureTimestamp,

    /// <summary>A timestamp is too far in the past.</summary>
    PastTimestamp,

    /// <summary>A sequence number that is not greater than the last accepted one: a duplicate or a replay.</summary>
    ReplayedSequence,

    /// <summary>A signal stopped arriving within its expected period.</summary>
    Stale,

    /// <summary>A signal repeats exactly the same value for too long.</summary>
    Frozen,

    // Detect: is the behaviour normal.

    /// <summary>A value is far from its signal's learned baseline.</summary>
    StatisticalOutlier,

    /// <summary>A small persistent shift has accumulated (CUSUM): a drift or a bias.</summary>
    PersistentShift,

    /// <summary>The asset's multivariate model finds the combination of values anomalous.</summary>
    MultivariateAnomaly,

    /// <summary>A relation the physics must obey does not hold.</summary>
    RelationViolated,

    /// <summary>
    /// A retraining of an asset's multivariate model was refused: the recent normal has moved away from the commissioned
    /// one (a slow drift below every threshold, or someone poisoning the baseline). The model in use is kept.
    /// </summary>
    BaselineDrift,

    // Intel: what the rest of the world has seen.

    /// <summary>An address, name or hash that a threat-intelligence feed lists was seen here.</summary>
    IntelMatch,

    // Industrial protocols (Modbus TCP guard and polling).

    /// <summary>A client used a function code the guard does not allow (programming, diagnostics, unknown).</summary>
    ForbiddenFunction,

    /// <summary>A write from a client that may not write, or to a coil or register that is not writable.</summary>
    ForbiddenWrite,

    /// <summary>A write of a value outside the register's allowed values.</summary>
    ForbiddenValue,

    /// <summary>A protocol frame that does not follow the specification (length, byte count, quantity).</summary>
    MalformedFrame,

    /// <summary>A polled device did not answer, or answered with an error.</summary>
    DeviceUnreachable,

    /// <summary>An allowed write that the guard passed on: recorded for the audit trail and for correlation.</summary>
    RegisterWrite,

    /// <summary>A coil or register the guard protects changed although no write passed the guard: it was written another way.</summary>
    UnexpectedWrite,

    // Added later. New codes go last: Orleans carries a code between silos as its number.

    // Validate.

    /// <summary>
    /// A credible value stayed outside its signal's operating band (inside the valid range) for longer than the band's
    /// delay: the process itself is somewhere it should not be, e.g. a tampered set-point drives it there.
    /// </summary>
    OperatingLimit,

    // Gate, added later.

    /// <summary>
    /// A known device's valid credentials came from an address the plant model does not list for it: stolen
    /// credentials, or a device moved without its model. The connection is refused.
    /// </summary>
    UnexpectedAddress,

    /// <summary>
    /// A network IDS alert (a Suricata EVE <c>alert</c> event) about a flow to or from a device of the plant, whether or
    /// not a threat-intelligence feed lists either end: it correlates with process anomalies on the same asset.
    /// </summary>
    IdsAlert,

    /// <summary>
    /// A device the plant model declares with a client certificate connected without one (a password alone, or plain
    /// TCP): its password may have leaked, the certificate cannot have. The connection is refused.
    /// </summary>
    CertificateRequired,

    /// <summary>
    /// A client certificate that proves no device: not issued by the site CA nor pinned, expired or not yet valid,
    /// revoked, or another device's. The connection is refused.
    /// </summary>
    BadCertificate,

    /// <summary>A device published with the retain flag: a reading is never stored for later subscribers. The message is refused.</summary>
    RetainRefused,

    /// <summary>
    /// A packet the MQTT specification forbids (a wildcard or U+0000 in a PUBLISH topic, MQTT 3.1.1 and 5.0 §4.7.1):
    /// the connection is closed.
    /// </summary>
    ProtocolViolation,

    // OPC UA: the data's own quality and the server itself (docs/opcua.md).

    /// <summary>An OPC UA server sent a value whose StatusCode is Bad or Uncertain: not a value to trust, refused.</summary>
    BadQuality,

    /// <summary>Publish sequence numbers were skipped: notifications were lost (what Republish recovered is said).</summary>
    PublishGap,

    /// <summary>A publish sequence number went back within one subscription: a replayed or forged notification.</summary>
    SequenceRollback,

    /// <summary>The server presented a certificate other than the pinned one, or than the one it presented before.</summary>
    ServerCertificateChanged,

    /// <summary>The server offers weaker security than configured, or than it offered before (e.g. its secure endpoints are gone).</summary>
    SecurityDowngrade,

    /// <summary>The server closed or forgot TwinGuard's session or subscription.</summary>
    SessionClosed,

    /// <summary>A configured node does not exist (any more) in the server's address space.</summary>
    NodeMissing,

    // The evidence itself (docs/ledger-format.md, Keys).

    /// <summary>
    /// The ledger's signer returned a signature that does not verify with the ledger's pinned public key: the signer or its
    /// key was replaced or is being abused. The ledger stops signing checkpoints until an operator replaces the signer.
    /// </summary>
    LedgerSignerDistrusted,

    /// <summary>
    /// A ledger checkpoint an edge or a peer site sent to be cosigned was refused: its signature does not verify with the
    /// log's pinned key, or it is not consistent with the history cosigned before (a fork: someone rewrote that ledger).
    /// </summary>
    CheckpointRefused,
}
