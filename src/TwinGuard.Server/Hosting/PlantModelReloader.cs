using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using TwinGuard.Twins.Plant;
using TwinGuard.Twins.Record;
using TwinGuard.Twins.Respond;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// Reloads the plant model file while serving: when the file changes (watched), on SIGHUP, or when an administrator
/// asks (<c>POST /api/plant/reload</c>).
/// </summary>
/// <remarks>
/// <para>A new file is checked completely (<see cref="PlantModelLoader"/>). A valid one is put in force through the
/// <see cref="PlantModelSource"/> (credentials and certificates from the next CONNECT, devices' topics, assets, signals,
/// ranges, the flood rate and relations from the next message), recorded in the ledger like the file a site starts
/// with, and every device whose credentials changed or that the new model removed is disconnected, so that a rotated
/// password stops working at once. An invalid one changes nothing: the error is logged with its
/// <c>file:line:column</c>, and <c>/health</c> and <c>/metrics</c> say the file on disk is invalid until a valid one
/// replaces it (<c>/health</c> stays 200, "degraded": the site still runs the previous model, and a supervisor that
/// restarted it would meet the invalid file).</para>
/// <para>A file that changes what a running site cannot change (<see cref="RestartOnlySections"/>) is refused the same
/// way, naming the sections.</para>
/// </remarks>
internal sealed partial class PlantModelReloader : IHostedService, IDisposable
{
    /// <summary>How long the file must stay unchanged before it is read: editors write in several steps.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);

    private readonly PlantModelSource _source;
    private readonly string? _path;
    private readonly LedgerRecorder _ledger;
    private readonly IBrokerEnforcement _broker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private FileSystemWatcher? _watcher;
    private PosixSignalRegistration? _hangUp;
    private Task _loop = Task.CompletedTask;
    private string _applied = string.Empty;
    private byte[] _lastRead = [];
    private string? _failure;
    private long _failures;
    private int _settled;

    public PlantModelReloader(PlantModelSource source, HostSettings settings, LedgerRecorder ledger, IBrokerEnforcement broker, ILogger<PlantModelReloader> logger)
    {
        (_source, _path, _ledger, _broker, _time, _logger) = (source, settings.PlantSource, ledger, broker, settings.Time, logger);
    }

    /// <summary>Why the file on disk is not the model in force (invalid, or changes a restart-only section); null when it is.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    /// <summary>Reloads that were refused since start.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>0 for the model loaded at start, one more per applied reload.</summary>
    public int Generation => _source.Generation;

    /// <summary>
    /// The last generation whose reload has finished, its changed devices disconnected included. A device that reconnects
    /// with its new credentials between <see cref="Generation"/> and this may be disconnected once more (it reconnects).
    /// </summary>
    public int SettledGeneration => Volatile.Read(ref _settled);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return Task.CompletedTask;
        }

        _applied = File.ReadAllText(_path);
        _lastRead = SHA256.HashData(Encoding.UTF8.GetBytes(_applied));
        // The directory, not the file: an editor or `mv` replaces the file, and a watch on the old inode would go quiet.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(_path)!, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += (_, _) => Nudge();
        _watcher.Created += (_, _) => Nudge();
        _watcher.Renamed += (_, _) => Nudge();
        _watcher.EnableRaisingEvents = true;
        if (!OperatingSystem.IsWindows())
        {
            _hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true; // SIGHUP reloads; it does not end the process
                Nudge();
            });
        }

        _loop = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _watcher?.Dispose();
        _hangUp?.Dispose();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Reads the file now and applies it when valid; returns what happened, one line.</summary>
    public async Task<PlantReload> ReloadAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return new PlantReload(false, Generation, "this site's plant model was not loaded from a file");
        }

        await _reloading.WaitAsync(cancellationToken);
        try
        {
            return await ReloadCoreAsync(_path, cancellationToken);
        }
        finally
        {
            _reloading.Release();
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _hangUp?.Dispose();
        _stopping.Dispose();
        _reloading.Dispose();
        _signal.Dispose();
    }

    private void Nudge()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A reload is already due.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stopping);
                // Let a burst of writes settle, then take the file as it is.
                while (await _signal.WaitAsync(Settle, stopping))
                {
                }

                await ReloadAsync(stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Refuse($"{_path}: cannot be read ({ex.Message})");
            }
        }
    }

    private async Task<PlantReload> ReloadCoreAsync(string path, CancellationToken cancellationToken)
    {
        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        var digest = SHA256.HashData(content);
        if (CryptographicOperations.FixedTimeEquals(digest, _lastRead) && Failure is null)
        {
            return new PlantReload(false, Generation, "the file has not changed");
        }

        _lastRead = digest;
        var text = Encoding.UTF8.GetString(content);
        PlantModel model;
        try
        {
            model = PlantModelLoader.Parse(text, path);
        }
        catch (PlantModelException ex)
        {
            return Refuse(ex.Message);
        }

        if (RestartOnlySections.Changed(_applied, text) is { Count: > 0 } sections)
        {
            return Refuse($"{path}: {string.Join(", ", sections)} changed; a running site cannot change {(sections.Count == 1 ? "it" : "them")}: restart to apply the file");
        }

        var previous = _source.Current;
        _source.Apply(model);
        _applied = text;
        Volatile.Write(ref _failure, null);
        var entry = _ledger.RecordConfiguration(path, content);
        LogApplied(_logger, path, _source.Generation, entry);
        foreach (var device in CredentialsChanged(previous, model))
        {
            var disconnected = await _broker.DisconnectAsync(device, cancellationToken);
            if (disconnected > 0)
            {
                LogDisconnected(_logger, device, disconnected);
            }
        }

        Volatile.Write(ref _settled, _source.Generation);

        return new PlantReload(true, _source.Generation, $"{path} applied (generation {_source.Generation}, ledger entry {entry})");
    }

    private PlantReload Refuse(string error)
    {
        Volatile.Write(ref _failure, error);
        Interlocked.Increment(ref _failures);
        LogRefused(_logger, error);
        return new PlantReload(false, Generation, error);
    }

    /// <summary>Devices removed, or whose password hash, generated secret's hash or certificate declaration changed.</summary>
    private static IEnumerable<string> CredentialsChanged(PlantModel before, PlantModel after) =>
        before.Devices.Where(d => after.FindDevice(d.Id) is not { } now
                || !string.Equals(d.PasswordVerifier, now.PasswordVerifier, StringComparison.Ordinal)
                || d.Certificate != now.Certificate
                || !d.Addresses.SequenceEqual(now.Addresses))
            .Select(d => d.Id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plant model {Path} applied without restart (generation {Generation}, ledger entry {Entry})")]
    private static partial void LogApplied(ILogger logger, string path, int generation, long entry);

    [LoggerMessage(Level = LogLevel.Error, Message = "Plant model reload refused, the running model stays: {Error}")]
    private static partial void LogRefused(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} disconnected ({Count} connections): the reloaded model changed or removed its credentials")]
    private static partial void LogDisconnected(ILogger logger, string device, int count);
}
