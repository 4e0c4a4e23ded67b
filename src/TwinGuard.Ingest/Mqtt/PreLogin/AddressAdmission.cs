using System.Net;
using System.Net.Sockets;

namespace TwinGuard.Ingest.Mqtt.PreLogin;

/// <summary>
/// Per-address accounting of the broker's connections: total and pending caps, a connect-rate token bucket and an
/// exponential back-off after failed logins, in a table of bounded size.
/// </summary>
/// <remarks>
/// <para>An IPv6 client is counted by its /64 (one interface's prefix, RFC 4291 §2.5.4), so that an attacker holding a
/// prefix does not get 2^64 buckets. IPv4-mapped addresses count as their IPv4 address.</para>
/// <para>Addresses a device of the plant model lists (<paramref name="reserved"/>) are held to the total cap alone: they
/// do not count towards the shared pending cap, so unlisted sockets waiting to log in cannot keep a listed device out,
/// and they neither back off nor are rate-limited, so that nobody can lock a device out by failing logins from (or
/// behind) its address. Unlisted addresses carry every limit.</para>
/// <para>The table holds at most <see cref="PreLoginLimits.TrackedAddresses"/> addresses. When full, addresses without
/// an open connection are forgotten, least recently seen first; addresses with open connections are at most
/// <see cref="PreLoginLimits.MaxConnections"/>, so there is always one to forget.</para>
/// </remarks>
public sealed class AddressAdmission(PreLoginLimits limits, TimeProvider time, Func<IPAddress, bool> reserved)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, AddressState> _addresses = [];
    private readonly long[] _refused = new long[Enum.GetValues<AdmissionRefusal>().Length];
    private int _open;
    private int _pending;
    private long _failedLogins;

    /// <summary>The limits applied.</summary>
    public PreLoginLimits Limits => limits;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections open now that have not logged in.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Addresses remembered now.</summary>
    public int TrackedAddresses
    {
        get
        {
            lock (_lock)
            {
                return _addresses.Count;
            }
        }
    }

    /// <summary>Failed logins counted so far.</summary>
    public long FailedLogins => Interlocked.Read(ref _failedLogins);

    /// <summary>Connections closed before login, by reason.</summary>
    public long Refused(AdmissionRefusal reason) => Interlocked.Read(ref _refused[(int)reason]);

    /// <summary>Connections closed before login, all reasons.</summary>
    public long RefusedTotal => _refused.Sum(static r => Interlocked.Read(ref r));

    /// <summary>Addresses refused before anything is read (a peer site reported them attacking); null: none.</summary>
    public Func<IPAddress, bool>? Denied { get; set; }

    /// <summary>Admits a new TCP connection from <paramref name="address"/>, or says why not.</summary>
    public AdmissionRefusal TryAdmit(IPAddress address, out ConnectionLease? lease)
    {
        lease = null;
        if (Denied is { } denied && denied(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
        {
            Count(AdmissionRefusal.Denied);
            return AdmissionRefusal.Denied;
        }

        var key = KeyOf(address);
        var isReserved = reserved(address);
        var now = time.GetTimestamp();
        AdmissionRefusal refusal;
        lock (_lock)
        {
            var state = StateOf(key, now);
            state.LastSeen = now;
            refusal = Decide(state, isReserved, now);
            if (refusal == AdmissionRefusal.None)
            {
                state.Tokens -= 1;
                state.Open++;
                state.Pending++;
                _open++;
                if (!isReserved)
                {
                    _pending++;
                }

                lease = new ConnectionLease(this, key, isReserved);
            }
        }

        if (refusal != AdmissionRefusal.None)
        {
            Count(refusal);
        }

        return refusal;
    }

    /// <summary>Counts a connection closed before login by the framing guard or the connect deadline.</summary>
    internal void Count(AdmissionRefusal reason) => Interlocked.Increment(ref _refused[(int)reason]);

    /// <summary>The lease's client logged in: it no longer counts as pending, and its address's failures are forgiven.</summary>
    internal void LoggedIn(ConnectionLease lease)
    {
        lock (_lock)
        {
            if (_addresses.TryGetValue(lease.Key, out var state))
            {
                state.Pending--;
                state.Failures = 0;
                state.BlockedUntil = 0;
            }

            if (!lease.Reserved)
            {
                _pending--;
            }
        }
    }

    /// <summary>The lease's client failed to log in: its address backs off once it has failed often enough.</summary>
    internal void LoginFailed(ConnectionLease lease)
    {
        Interlocked.Increment(ref _failedLogins);
        lock (_lock)
        {
            if (!_addresses.TryGetValue(lease.Key, out var state))
            {
                return;
            }

            state.Failures++;
            var over = state.Failures - limits.FailuresBeforeBackOff;
            if (over > 0)
            {
                // Exponential: base, 2 x base, 4 x base, ... up to the maximum.
                var ticks = Math.Min(limits.BackOffMax.Ticks, limits.BackOffBase.Ticks << Math.Min(over - 1, 30));
                state.BlockedUntil = time.GetTimestamp() + (long)(ticks * (time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
            }
        }
    }

    /// <summary>The lease's connection closed.</summary>
    internal void Closed(ConnectionLease lease, bool loggedIn)
    {
        lock (_lock)
        {
            _open--;
            if (!loggedIn && !lease.Reserved)
            {
                _pending--;
            }

            if (_addresses.TryGetValue(lease.Key, out var state))
            {
                state.Open--;
                if (!loggedIn)
                {
                    state.Pending--;
                }
            }
        }
    }

    /// <summary>The table key of an address: an IPv4 address, or the /64 of an IPv6 address.</summary>
    internal static UInt128 KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return (UInt128)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes[..written]);
        }

        // Tag IPv6 keys so that they never collide with IPv4 ones.
        return new UInt128(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]), 0) | ((UInt128)1 << 32);
    }

    private AdmissionRefusal Decide(AddressState state, bool isReserved, long now)
    {
        if (isReserved)
        {
            // The operator vouches for a device's listed address: limits on it would let whoever shares it, or a
            // device retrying with an old password, lock the devices behind it out.
            return _open >= limits.MaxConnections ? AdmissionRefusal.TooManyConnections : AdmissionRefusal.None;
        }

        if (state.BlockedUntil > now)
        {
            return AdmissionRefusal.BackingOff;
        }

        Refill(state, now);
        if (state.Tokens < 1)
        {
            return AdmissionRefusal.RateLimited;
        }

        if (_open >= limits.MaxConnections)
        {
            return AdmissionRefusal.TooManyConnections;
        }

        if (state.Open >= limits.MaxConnectionsPerAddress)
        {
            return AdmissionRefusal.AddressConnections;
        }

        if (state.Pending >= limits.MaxPendingPerAddress)
        {
            return AdmissionRefusal.AddressPending;
        }

        return !isReserved && _pending >= limits.MaxPendingConnections ? AdmissionRefusal.TooManyPending : AdmissionRefusal.None;
    }

    private void Refill(AddressState state, long now)
    {
        var seconds = (now - state.Refilled) / (double)time.TimestampFrequency;
        state.Tokens = Math.Min(limits.ConnectBurst, state.Tokens + (seconds * limits.ConnectsPerSecond));
        state.Refilled = now;
    }

    private AddressState StateOf(UInt128 key, long now)
    {
        if (_addresses.TryGetValue(key, out var state))
        {
            return state;
        }

        if (_addresses.Count >= limits.TrackedAddresses)
        {
            Forget();
        }

        state = new AddressState { Tokens = limits.ConnectBurst, Refilled = now };
        _addresses[key] = state;
        return state;
    }

    /// <summary>Forgets the least recently seen half of the addresses without open connections.</summary>
    private void Forget()
    {
        var idle = _addresses.Where(static a => a.Value.Open == 0).OrderBy(static a => a.Value.LastSeen).ToList();
        foreach (var (key, _) in idle.Take(Math.Max(1, idle.Count / 2)))
        {
            _addresses.Remove(key);
        }
    }

    private sealed class AddressState
    {
        public int Open;
        public int Pending;
        public double Tokens;
        public long Refilled;
        public int Failures;
        public long BlockedUntil;
        public long LastSeen;
    }
}
