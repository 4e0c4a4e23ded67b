namespace TwinGuard.Twins.Respond;

/// <summary>Appends one ECS JSON document per alert to a file (NDJSON), for Filebeat or Elastic Agent to ship.</summary>
public sealed class EcsFileNotifier(NotifierModel model, string path) : INotifier
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <inheritdoc />
    public string Id => model.Id;

    /// <summary>The file written to.</summary>
    public string Path => path;

    /// <inheritdoc />
    public Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken) => DeliverAsync(AlertJson.Ecs(alert), cancellationToken);

    /// <inheritdoc />
    public string Render(ForwardedFinding finding) => AlertJson.EcsFinding(finding);

    /// <inheritdoc />
    public async Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken)
    {
        var line = rendered + "\n";
        await _lock.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            await File.AppendAllTextAsync(path, line, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }

        return $"ecs file {path}";
    }
}
