using System.Text.Json;
using System.Text.Json.Serialization;

namespace TwinGuard.Intel.Feeds;

/// <summary>
/// Keeps each feed's last good copy and status on disk under <c>&lt;data-dir&gt;/intel/feeds/&lt;id&gt;/</c>, so that
/// the copy survives a restart and a failed refresh.
/// </summary>
/// <remarks>
/// Layout: <c>feed.json</c> (source, status, validators per file) and <c>files/</c> (the feed's files as fetched).
/// A new copy is written beside the old one and swapped in, so a crash mid-write never loses the good copy.
/// </remarks>
public sealed class FeedStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Creates a store rooted at <paramref name="intelDirectory"/> (e.g. <c>&lt;data-dir&gt;/intel</c>).</summary>
    public FeedStore(string intelDirectory)
    {
        Root = Path.GetFullPath(intelDirectory);
    }

    /// <summary>The intel directory.</summary>
    public string Root { get; }

    private string FeedsDirectory => Path.Combine(Root, "feeds");

    /// <summary>Every stored feed's source and status.</summary>
    public IReadOnlyList<(FeedSource Source, FeedStatus Status)> List()
    {
        if (!Directory.Exists(FeedsDirectory))
        {
            return [];
        }

        var feeds = new List<(FeedSource, FeedStatus)>();
        foreach (var directory in Directory.EnumerateDirectories(FeedsDirectory).Order(StringComparer.Ordinal))
        {
            if (ReadRecord(directory) is { } record)
            {
                feeds.Add((new FeedSource(record.Id, record.Location) { Limits = record.Limits }, record.ToStatus()));
            }
        }

        return feeds;
    }

    /// <summary>The stored copy of a feed, or null.</summary>
    /// <exception cref="InvalidDataException">The stored copy is damaged.</exception>
    public FeedSnapshot? LoadSnapshot(string feedId)
    {
        var directory = Path.Combine(FeedsDirectory, feedId);
        if (ReadRecord(directory) is not { FetchedAt: { } fetchedAt } record)
        {
            return null;
        }

        var files = new List<FeedFile>();
        foreach (var file in record.Files)
        {
            var path = Path.Combine(directory, "files", file.Name);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"{path}: listed in feed.json but missing; re-import the feed");
            }

            files.Add(new FeedFile(file.Name, File.ReadAllBytes(path)) { ETag = file.ETag, LastModified = file.LastModified });
        }

        return new FeedSnapshot(files, fetchedAt);
    }

    /// <summary>Stores a new good copy and its status.</summary>
    public void Save(FeedSource source, FeedSnapshot snapshot, FeedStatus status)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(status);
        var directory = Path.Combine(FeedsDirectory, source.Id);
        var staging = directory + ".new";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, true);
        }

        Directory.CreateDirectory(Path.Combine(staging, "files"));
        foreach (var file in snapshot.Files)
        {
            if (file.Name.IndexOfAny(['/', '\\']) >= 0 || file.Name is "." or "..")
            {
                throw new InvalidDataException($"{source.Location}: refusing file name '{file.Name}'");
            }

            File.WriteAllBytes(Path.Combine(staging, "files", file.Name), file.Content);
        }

        WriteRecord(staging, FeedRecord.From(source, status, snapshot));
        var old = directory + ".old";
        if (Directory.Exists(old))
        {
            Directory.Delete(old, true);
        }

        if (Directory.Exists(directory))
        {
            Directory.Move(directory, old);
        }

        Directory.Move(staging, directory);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, true);
        }
    }

    /// <summary>Updates only the status (a failed or unchanged refresh), keeping the stored copy.</summary>
    public void SaveStatus(FeedSource source, FeedStatus status)
    {
        ArgumentNullException.ThrowIfNull(source);
        var directory = Path.Combine(FeedsDirectory, source.Id);
        Directory.CreateDirectory(directory);
        var existing = ReadRecord(directory);
        WriteRecord(directory, FeedRecord.From(source, status, null) with
        {
            Files = existing?.Files ?? [],
            FetchedAt = existing?.FetchedAt,
        });
    }

    /// <summary>Removes a feed.</summary>
    /// <returns>Whether it existed.</returns>
    public bool Remove(string feedId)
    {
        var directory = Path.Combine(FeedsDirectory, feedId);
        if (!Directory.Exists(directory))
        {
            return false;
        }

        Directory.Delete(directory, true);
        return true;
    }

    private static FeedRecord? ReadRecord(string directory)
    {
        var path = Path.Combine(directory, "feed.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<FeedRecord>(File.ReadAllBytes(path), Json)
                   ?? throw new InvalidDataException($"{path}: empty");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: damaged ({ex.Message}); re-import the feed", ex);
        }
    }

    private static void WriteRecord(string directory, FeedRecord record)
    {
        var path = Path.Combine(directory, "feed.json");
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(record, Json));
        File.Move(temporary, path, true);
    }
}
