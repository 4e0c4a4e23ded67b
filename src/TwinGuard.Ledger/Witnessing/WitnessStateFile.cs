using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace TwinGuard.Ledger.Witnessing;

/// <summary>
/// A witness's record of one log: two fixed slots written alternately in place, each
/// <c>"TGWS" · sequence u64 · tree size i64 · root (32) · origin length u16 · origin (UTF-8) · SHA-256 of the above</c>.
/// </summary>
/// <remarks>
/// A write goes to the slot not holding the current state and is made durable with one <c>fdatasync</c> (the file
/// never changes size, so no metadata has to reach the disk): several times cheaper than a new file, its fsync, a
/// rename and a directory fsync, and just as safe: a write cut short fails its checksum and the other slot, the state
/// before this request, still stands (the cosignature was not sent).
/// </remarks>
internal sealed class WitnessStateFile : IDisposable
{
    private const int SlotSize = 2048;
    private const int MaxOrigin = SlotSize - 4 - 8 - 8 - 32 - 2 - 32;
    private readonly SafeFileHandle _handle;
    private readonly string _path;
    private ulong _sequence;

    private WitnessStateFile(SafeFileHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    private static ReadOnlySpan<byte> Magic => "TGWS"u8;

    /// <summary>Opens (creating) the file and reads the newest valid slot.</summary>
    /// <exception cref="InvalidDataException">The file exists but neither slot is valid, or it is of another log.</exception>
    public static WitnessStateFile Open(string path, string origin, out WitnessedLog? state)
    {
        var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var file = new WitnessStateFile(handle, path);
        try
        {
            state = file.ReadNewest(origin);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Write(WitnessedLog state)
    {
        var origin = Encoding.UTF8.GetBytes(state.Origin);
        if (origin.Length > MaxOrigin)
        {
            throw new ArgumentException($"origin longer than {MaxOrigin} bytes", nameof(state));
        }

        _sequence++;
        var slot = new byte[SlotSize];
        Magic.CopyTo(slot);
        BinaryPrimitives.WriteUInt64BigEndian(slot.AsSpan(4), _sequence);
        BinaryPrimitives.WriteInt64BigEndian(slot.AsSpan(12), state.TreeSize);
        state.RootHash.CopyTo(slot, 20);
        BinaryPrimitives.WriteUInt16BigEndian(slot.AsSpan(52), (ushort)origin.Length);
        origin.CopyTo(slot, 54);
        SHA256.HashData(slot.AsSpan(0, 54 + origin.Length), slot.AsSpan(54 + origin.Length));
        RandomAccess.Write(_handle, slot, (long)(_sequence % 2) * SlotSize);
        Storage.DataSync.Flush(_handle);
    }

    public void Dispose() => _handle.Dispose();

    private WitnessedLog? ReadNewest(string origin)
    {
        var length = RandomAccess.GetLength(_handle);
        if (length == 0)
        {
            RandomAccess.Write(_handle, new byte[2 * SlotSize], 0); // both slots allocated once, so writes never grow the file
            RandomAccess.FlushToDisk(_handle);
            return null;
        }

        var bytes = new byte[2 * SlotSize];
        var read = RandomAccess.Read(_handle, bytes, 0);
        WitnessedLog? best = null;
        for (var s = 0; s < 2 && read == bytes.Length; s++)
        {
            var slot = bytes.AsSpan(s * SlotSize, SlotSize);
            var originLength = BinaryPrimitives.ReadUInt16BigEndian(slot[52..]);
            if (!slot[..4].SequenceEqual(Magic) || originLength > MaxOrigin
                || !SHA256.HashData(slot[..(54 + originLength)]).AsSpan().SequenceEqual(slot.Slice(54 + originLength, 32)))
            {
                continue;
            }

            var sequence = BinaryPrimitives.ReadUInt64BigEndian(slot[4..]);
            if (Encoding.UTF8.GetString(slot.Slice(54, originLength)) != origin)
            {
                throw new InvalidDataException($"{_path}: the witness state of another log");
            }

            if (best is null || sequence > _sequence)
            {
                _sequence = sequence;
                best = new WitnessedLog(origin, BinaryPrimitives.ReadInt64BigEndian(slot[12..]), slot.Slice(20, 32).ToArray());
            }
        }

        return best ?? throw new InvalidDataException($"{_path}: neither state slot is valid; refusing to start without the witness's state");
    }
}
