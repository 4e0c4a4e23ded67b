namespace TwinGuard.Twins.Respond;

/// <summary>What a playbook action does. Names as written in playbooks.yaml are in <see cref="PlaybookLoader"/>.</summary>
public enum ActionKind
{
    /// <summary>The gate refuses everything from the incident's device (<c>quarantine: source</c>).</summary>
    QuarantineSource,

    /// <summary>The gate refuses everything for the incident's asset (<c>quarantine: asset</c>).</summary>
    QuarantineAsset,

    /// <summary>The gate refuses the signals the incident's findings name (<c>quarantine: signals</c>).</summary>
    QuarantineSignals,

    /// <summary>The broker drops the device's connections (<c>disconnect: device</c>); the quarantine keeps it out.</summary>
    Disconnect,

    /// <summary>The device's credentials stop working until released (<c>revoke_credentials: device</c>).</summary>
    RevokeCredentials,

    /// <summary>The asset's twin refuses API writes (<c>read_only: asset</c>).</summary>
    ReadOnly,

    /// <summary>Traffic from an address is dropped by the network enforcer (<c>block_address: source</c> or an address).</summary>
    BlockAddress,

    /// <summary>Alerts go to the named notifiers (<c>notify: [id, ...]</c>).</summary>
    Notify,

    /// <summary>A Markdown and JSON incident report is written (<c>report: incident</c>).</summary>
    Report,
}
