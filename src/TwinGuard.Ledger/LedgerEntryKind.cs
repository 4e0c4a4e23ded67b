namespace TwinGuard.Ledger;

/// <summary>What a ledger entry records. Stored as an unsigned 16-bit number in every record.</summary>
/// <remarks>
/// Values are part of the on-disk format (docs/ledger-format.md) and never change meaning. 0 is invalid;
/// 1..1023 are reserved for TwinGuard; new kinds take the next free number. Readers and the verifier accept
/// kinds they do not know, so an older verifier still checks a newer log.
/// </remarks>
public enum LedgerEntryKind : ushort
{
    /// <summary>A batch of readings that reached a twin (the batch itself, so any reading can be proven).</summary>
    ReadingBatch = 1,

    /// <summary>A detector's finding.</summary>
    Finding = 2,

    /// <summary>An incident opened or updated by correlation.</summary>
    Incident = 3,

    /// <summary>A response action taken (quarantine, disconnect, notify, ...).</summary>
    Action = 4,

    /// <summary>An operator's approval of a high-impact action.</summary>
    Approval = 5,

    /// <summary>A release of a quarantined signal, asset or source.</summary>
    Release = 6,

    /// <summary>A configuration change.</summary>
    ConfigChange = 7,

    /// <summary>A playbook change.</summary>
    PlaybookChange = 8,

    /// <summary>A detection model version put into service.</summary>
    ModelVersion = 9,

    /// <summary>Written by the ledger itself: an incomplete tail found on start was set aside into a file.</summary>
    TornTail = 10,

    /// <summary>A self-test of the security functions: one scenario run of <c>twinguard simulate</c> and its result.</summary>
    SelfTest = 11,

    /// <summary>Evidence removed from the data directory under its retention rules: what, how many, which range, a digest.</summary>
    Retention = 12,

    /// <summary>A checkpoint of a peer site's ledger this site cosigned as its witness (docs/sharing.md).</summary>
    PeerCosignature = 13,
}
