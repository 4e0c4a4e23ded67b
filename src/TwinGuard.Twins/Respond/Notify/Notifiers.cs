using System.Text;

namespace TwinGuard.Twins.Respond;

/// <summary>Builds the notifiers a response plan declares.</summary>
public static class Notifiers
{
    /// <summary>One notifier per declaration. ECS paths are relative to the data directory. The list is
    /// <see cref="IDisposable"/>: disposing it closes the notifiers' open sessions (RELP).</summary>
    /// <exception cref="InvalidDataException">A webhook's key variable is not set.</exception>
    public static IReadOnlyList<INotifier> Create(ResponsePlan plan, string dataDirectory, HttpClient http, TimeProvider? time = null) =>
        new NotifierList(plan.Notifiers.Select(n => n.Kind switch
        {
            NotifierKind.Syslog when n.Relp => new RelpNotifier(n, time ?? TimeProvider.System),
            NotifierKind.Syslog => (INotifier)new SyslogNotifier(n),
            NotifierKind.Webhook => new WebhookNotifier(n, http, Key(n)),
            _ => new EcsFileNotifier(n, Path.GetFullPath(n.Path!, dataDirectory)),
        }));

    private static byte[] Key(NotifierModel n) =>
        Environment.GetEnvironmentVariable(n.SecretEnv!) is { Length: > 0 } secret
            ? Encoding.UTF8.GetBytes(secret)
            : throw new InvalidDataException($"webhook notifier '{n.Id}': environment variable {n.SecretEnv} (its HMAC key) is not set");
}
