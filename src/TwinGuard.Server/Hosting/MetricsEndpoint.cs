using TwinGuard.Ingest.Modbus;
using TwinGuard.Server.Access;
using TwinGuard.Server.Api;
using TwinGuard.Twins.Findings;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// <c>GET /metrics</c>: the pipeline's counters and latencies for Prometheus (viewer key as a bearer token:
/// <c>authorization: { credentials: tgk_… }</c> in the scrape config).
/// </summary>
internal static class MetricsEndpoint
{
    /// <summary>Content type of the text exposition format 0.0.4.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private static readonly double[] Quantiles = [0.5, 0.9, 0.99, 0.999];

    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapGet("/metrics", (PipelineMetrics metrics, ModbusMetrics modbus, WriteRecorder writes, LiveEvents live, SiteHealth health, IServiceProvider services) =>
            {
                var text = Write(
                    metrics, writes.Read(s => s.Quarantines()), writes.Read(s => s.Approvals()).Count, live.Listeners, modbus, services.GetService<FindingForwarder>()?.Status,
                    services.GetService<IncidentCommunicator>()?.Dropped ?? 0);
                var healthText = new MetricsText();
                health.WriteMetrics(healthText);
                return TypedResults.Text(text + healthText, ContentType);
            })
            .RequireAuthorization(AccessPolicies.Viewer).WithTags("metrics").WithSummary("Prometheus metrics");
        return app;
    }

    /// <summary>The whole exposition.</summary>
    public static string Write(
        PipelineMetrics m, IReadOnlyList<QuarantineEntry> quarantines, int pendingApprovals, int listeners, ModbusMetrics modbus,
        IReadOnlyList<(string Notifier, long Depth, long Delivered, long Dropped)>? forwarding = null, long notificationsDropped = 0)
    {
        var text = new MetricsText()
            .Family("twinguard_messages_total", "counter", "Messages received from any transport.")
            .Sample("twinguard_messages_total", m.Messages)
            .Family("twinguard_readings_accepted_total", "counter", "Signal values that passed the gate and validation and reached a twin.")
            .Sample("twinguard_readings_accepted_total", m.ReadingsAccepted)
            .Family("twinguard_refusals_total", "counter", "Data refused by the gate or validation, by reason.");
        foreach (var reason in Enum.GetValues<ReasonCode>())
        {
            text.Sample("twinguard_refusals_total", m.RefusalsOf(reason), ("reason", reason.Name()));
        }

        text.Family("twinguard_refusals_not_stored_total", "counter", "Refusals counted but not kept in the quarantine store (flood).")
            .Sample("twinguard_refusals_not_stored_total", m.RefusalsNotStored)
            .Family("twinguard_refusals_summarised_total", "counter", "Refusals counted and folded into a per-device flood summary instead of stored one by one.")
            .Sample("twinguard_refusals_summarised_total", m.RefusalsSummarised)
            .Family("twinguard_findings_not_queued_total", "counter", "Findings counted but dropped before correlation because its queue was full.")
            .Sample("twinguard_findings_not_queued_total", m.FindingsNotQueued)
            .Family("twinguard_findings_total", "counter", "Findings raised (before folding repeats), by reason.");
        foreach (var reason in Enum.GetValues<ReasonCode>())
        {
            text.Sample("twinguard_findings_total", m.FindingsOf(reason), ("reason", reason.Name()));
        }

        text.Family("twinguard_twins_restored_total", "counter", "Twins activated from their persisted learned state (docs/cluster.md).")
            .Sample("twinguard_twins_restored_total", m.TwinsRestored)
            .Family("twinguard_twin_state_writes_total", "counter", "Writes of twins' learned state (snapshots and model rows).")
            .Sample("twinguard_twin_state_writes_total", m.TwinStateWrites)
            .Family("twinguard_twin_state_write_failures_total", "counter", "Snapshots of twins' learned state the store failed or refused (retried at the next snapshot).")
            .Sample("twinguard_twin_state_write_failures_total", m.TwinStateWriteFailures)
            .Family("twinguard_refits_adopted_late_total", "counter", "Twins' multivariate retrainings adopted after their row because their fit was not done by then (the states between were scored by the model before).")
            .Sample("twinguard_refits_adopted_late_total", m.RefitsAdoptedLate);
        text.Family("twinguard_operating_changes_total", "counter", "Detector hits not raised because several signals of an asset moved together.")
            .Sample("twinguard_operating_changes_total", m.OperatingChanges)
            .Family("twinguard_incidents_total", "counter", "Incidents opened.")
            .Sample("twinguard_incidents_total", m.Incidents)
            .Family("twinguard_quarantines_active", "gauge", "Quarantines in force, by kind.");
        foreach (var kind in Enum.GetValues<QuarantineKind>())
        {
            text.Sample("twinguard_quarantines_active", quarantines.Count(q => q.Kind == kind), ("kind", ResponseStore.Name(kind)));
        }

        text.Family("twinguard_approvals_pending", "gauge", "High-impact actions waiting for an operator.")
            .Sample("twinguard_approvals_pending", pendingApprovals)
            .Family("twinguard_live_listeners", "gauge", "Dashboards and clients connected to the live event stream.")
            .Sample("twinguard_live_listeners", listeners)
            .Family("twinguard_notifications_dropped_total", "counter", "Incident notifications and reports not sent because their receiver's lane was full (each recorded as a failed action).")
            .Sample("twinguard_notifications_dropped_total", notificationsDropped);
        Modbus(text, modbus);
        Forwarding(text, forwarding ?? []);
        Latency(text, "twinguard_arrival_to_twin_seconds", "From a message's arrival to the end of its validation and detection in the twin.", m.ArrivalToTwin);
        Latency(text, "twinguard_arrival_to_finding_seconds", "From a reading's arrival to the finding it caused.", m.ArrivalToFinding);
        return text.ToString();
    }

    private static void Modbus(MetricsText text, ModbusMetrics m)
    {
        text.Family("twinguard_modbus_polls_total", "counter", "Modbus polls of PLCs, by outcome.")
            .Sample("twinguard_modbus_polls_total", m.Polls - m.PollFailures, ("outcome", "ok"))
            .Sample("twinguard_modbus_polls_total", m.PollFailures, ("outcome", "failed"))
            .Family("twinguard_modbus_device_up", "gauge", "1 while a polled PLC answers, 0 during an outage.");
        foreach (var (device, health) in m.Devices)
        {
            text.Sample("twinguard_modbus_device_up", health.Reachable ? 1 : 0, ("device", device));
        }

        text.Family("twinguard_modbus_guard_requests_total", "counter", "Requests the inline guard received, by what it did with them.")
            .Sample("twinguard_modbus_guard_requests_total", m.Forwarded, ("action", "forwarded"))
            .Sample("twinguard_modbus_guard_requests_total", m.Refused, ("action", "refused"))
            .Family("twinguard_modbus_malformed_frames_total", "counter", "Frames the guard refused as malformed.")
            .Sample("twinguard_modbus_malformed_frames_total", m.MalformedFrames)
            .Family("twinguard_modbus_upstream_failures_total", "counter", "Requests the guard could not get answered by the PLC.")
            .Sample("twinguard_modbus_upstream_failures_total", m.UpstreamFailures)
            .Family("twinguard_modbus_client_requests_total", "counter", "Requests per guard client, by kind.");
        foreach (var (client, activity) in m.Clients)
        {
            text.Sample("twinguard_modbus_client_requests_total", activity.Reads, ("client", client), ("kind", "read"))
                .Sample("twinguard_modbus_client_requests_total", activity.Writes, ("client", client), ("kind", "write"))
                .Sample("twinguard_modbus_client_requests_total", activity.Refused, ("client", client), ("kind", "refused"));
        }
    }

    private static void Forwarding(MetricsText text, IReadOnlyList<(string Notifier, long Depth, long Delivered, long Dropped)> lanes)
    {
        text.Family("twinguard_siem_queue_depth", "gauge", "Findings queued on disk for a SIEM notifier and not yet delivered.");
        foreach (var lane in lanes)
        {
            text.Sample("twinguard_siem_queue_depth", lane.Depth, ("notifier", lane.Notifier));
        }

        text.Family("twinguard_siem_forwarded_total", "counter", "Findings delivered to a SIEM notifier since start.");
        foreach (var lane in lanes)
        {
            text.Sample("twinguard_siem_forwarded_total", lane.Delivered, ("notifier", lane.Notifier));
        }

        text.Family("twinguard_siem_dropped_total", "counter", "Findings not queued because a SIEM notifier's queue was full.");
        foreach (var lane in lanes)
        {
            text.Sample("twinguard_siem_dropped_total", lane.Dropped, ("notifier", lane.Notifier));
        }
    }

    // A summary without _sum: the histogram keeps logarithmic buckets (about 4 % wide), not a running sum.
    private static void Latency(MetricsText text, string name, string help, LatencyHistogram histogram)
    {
        text.Family(name, "summary", help + " Quantiles are upper bucket edges (about 4 % resolution).");
        foreach (var q in Quantiles)
        {
            text.Sample(name, histogram.Percentile(q).TotalSeconds, ("quantile", q.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)));
        }

        text.Sample(name + "_count", histogram.Count);
    }
}
