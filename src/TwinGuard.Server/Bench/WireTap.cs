using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace TwinGuard.Server.Bench;

/// <summary>
/// When the broker's end of a connection went out on the wire, by the kernel's clock: a packet socket on loopback
/// (Linux <c>AF_PACKET</c>, <c>SO_TIMESTAMPNS</c>) that sees every TCP segment carrying FIN or RST from the broker's port,
/// and keeps, per client port, the kernel's receive timestamp of the first.
/// </summary>
/// <remarks>
/// <para>Why: on this machine the device is a thread of the bench, so when its read returns depends on when the kernel
/// gives that thread a core, which the product does not decide. In a plant the device is on another machine, and the
/// broker's part ends when the FIN (or RST) leaves the host. On loopback the packet's copy delivered to the receiving
/// side is stamped in <c>netif_rx</c> (loopback's transmit clears the sender's departure time so that the stamp is taken
/// there, in CLOCK_REALTIME), which runs inside the broker's <c>shutdown(2)</c>: the stamp is the moment a NIC would
/// have sent the segment, with no reader's scheduling in it. Only that copy is taken (<c>PACKET_HOST</c>), not the
/// outgoing one, whose timestamp may be TCP's earliest departure time on another clock.</para>
/// <para>Needs <c>CAP_NET_RAW</c>; <see cref="TryOpen"/> says why when it cannot open, and the benchmark then reports no
/// wire figure rather than a guessed one. The reading thread only copies stamps, so its own scheduling does not matter:
/// the stamp is the kernel's, taken when the packet was received.</para>
/// </remarks>
internal sealed unsafe partial class WireTap : IDisposable
{
    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const ushort EthPIpNetworkOrder = 0x0008; // htons(ETH_P_IP)
    private const int SolSocket = 1;
    private const int SoRcvTimeo = 20;
    private const int SoAttachFilter = 26;
    private const int SoTimestampNs = 35; // also SCM_TIMESTAMPNS
    private const int Eintr = 4;
    private const int Eagain = 11;

    private readonly int _fd;
    private readonly Thread _reader;
    private readonly ConcurrentDictionary<int, long> _ends = new();
    private readonly ManualResetEventSlim _arrived = new();
    private volatile bool _stopping;

    private WireTap(int fd)
    {
        _fd = fd;
        _reader = new Thread(Read) { IsBackground = true, Name = "bench wire tap" };
        _reader.Start();
    }

    /// <summary>Opens a tap on loopback for segments from <paramref name="serverPort"/>; null, with the reason, where it cannot.</summary>
    public static WireTap? TryOpen(int serverPort, out string? why)
    {
        why = null;
        if (!OperatingSystem.IsLinux())
        {
            why = "packet sockets are Linux's";
            return null;
        }

        // No protocol yet: nothing is queued before the filter is attached.
        var fd = socket(AfPacket, SockDgram, 0);
        if (fd < 0)
        {
            why = $"socket(AF_PACKET): {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())} (needs CAP_NET_RAW)";
            return null;
        }

        var filter = Filter((ushort)serverPort);
        var on = 1;
        var timeout = new TimeVal { Seconds = 0, Microseconds = 200_000 }; // so that Dispose is seen
        var index = if_nametoindex("lo");
        fixed (SockFilter* instructions = filter)
        {
            var program = new SockFprog { Length = (ushort)filter.Length, Filter = instructions };
            var address = new SockaddrLl { Family = AfPacket, Protocol = EthPIpNetworkOrder, IfIndex = (int)index };
            if (index == 0
                || setsockopt(fd, SolSocket, SoAttachFilter, &program, sizeof(SockFprog)) != 0
                || setsockopt(fd, SolSocket, SoTimestampNs, &on, sizeof(int)) != 0
                || setsockopt(fd, SolSocket, SoRcvTimeo, &timeout, sizeof(TimeVal)) != 0
                || bind(fd, &address, sizeof(SockaddrLl)) != 0)
            {
                why = $"packet socket on lo: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
                close(fd);
                return null;
            }
        }

        return new WireTap(fd);
    }

    /// <summary>
    /// The kernel's timestamp (Unix time, nanoseconds) of the first FIN or RST the server sent to <paramref name="clientPort"/>
    /// since <see cref="Forget"/>; false when none arrived within <paramref name="timeout"/>.
    /// </summary>
    public bool TryGetEnd(int clientPort, TimeSpan timeout, out long unixNanoseconds)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            _arrived.Reset();
            if (_ends.TryGetValue(clientPort, out unixNanoseconds))
            {
                return true;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_arrived.Wait(left))
            {
                return _ends.TryGetValue(clientPort, out unixNanoseconds);
            }
        }
    }

    /// <summary>Forgets what was seen for <paramref name="clientPort"/> (the system may give the port to a later connection).</summary>
    public void Forget(int clientPort) => _ends.TryRemove(clientPort, out _);

    /// <summary>Now, in the clock the kernel stamps packets with (CLOCK_REALTIME), Unix nanoseconds.</summary>
    public static long UnixNanosecondsNow()
    {
        TimeSpec now;
        clock_gettime(0, &now); // CLOCK_REALTIME
        return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
    }

    public void Dispose()
    {
        _stopping = true;
        _reader.Join();
        close(_fd);
        _arrived.Dispose();
    }

    /// <summary>
    /// Classic BPF, run on the packet from its IP header (a datagram packet socket): incoming copies only, IPv4 TCP, not a
    /// later fragment, source port <paramref name="port"/>, FIN or RST set (RFC 9293 §3.1: flags in byte 13 of the header).
    /// </summary>
    private static SockFilter[] Filter(ushort port)
    {
        const ushort LdW = 0x20, LdH = 0x28, LdB = 0x30, LdxMsh = 0xb1, LdHInd = 0x48, LdBInd = 0x50, Jeq = 0x15, Jset = 0x45, Ret = 0x06;
        const uint PacketTypeAncillary = 0xfffff000 + 4; // SKF_AD_OFF + SKF_AD_PKTTYPE
        const byte Drop12 = 12; // index of the last instruction
        return
        [
            /* 0 */ new(LdW, 0, 0, PacketTypeAncillary),
            /* 1 */ new(Jeq, 0, Drop12 - 2, 0), // PACKET_HOST
            /* 2 */ new(LdB, 0, 0, 9), // IP protocol
            /* 3 */ new(Jeq, 0, Drop12 - 4, 6), // TCP
            /* 4 */ new(LdH, 0, 0, 6), // flags and fragment offset
            /* 5 */ new(Jset, Drop12 - 6, 0, 0x1fff),
            /* 6 */ new(LdxMsh, 0, 0, 0), // X = IP header length
            /* 7 */ new(LdHInd, 0, 0, 0), // TCP source port
            /* 8 */ new(Jeq, 0, Drop12 - 9, port),
            /* 9 */ new(LdBInd, 0, 0, 13), // TCP flags
            /* 10 */ new(Jset, 0, Drop12 - 11, 0x05), // FIN | RST
            /* 11 */ new(Ret, 0, 0, 128),
            /* 12 */ new(Ret, 0, 0, 0),
        ];
    }

    private void Read()
    {
        var packet = stackalloc byte[128];
        var control = stackalloc byte[128];
        var vector = new IoVec { Base = packet, Length = 128 };
        while (!_stopping)
        {
            var message = new MsgHdr { Iov = &vector, IovLength = 1, Control = control, ControlLength = 128 };
            var n = recvmsg(_fd, &message, 0);
            if (n < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                if (error is Eagain or Eintr)
                {
                    continue;
                }

                return;
            }

            var headerLength = (packet[0] & 0xf) * 4;
            if (n < headerLength + 4 || Stamp(&message) is not { } stamp)
            {
                continue;
            }

            var clientPort = (packet[headerLength + 2] << 8) | packet[headerLength + 3];
            if (_ends.TryAdd(clientPort, stamp))
            {
                _arrived.Set();
            }
        }
    }

    /// <summary>The SCM_TIMESTAMPNS control message's time (Unix nanoseconds), if the kernel attached one.</summary>
    private static long? Stamp(MsgHdr* message)
    {
        // cmsg(3): each header is {size_t len; int level; int type;}, its data aligned to sizeof(size_t).
        var at = (byte*)message->Control;
        var end = at + message->ControlLength;
        while (at + sizeof(CmsgHdr) <= end)
        {
            var header = (CmsgHdr*)at;
            if (header->Length < (nuint)sizeof(CmsgHdr))
            {
                return null;
            }

            if (header->Level == SolSocket && header->Type == SoTimestampNs)
            {
                var time = (TimeSpec*)(at + sizeof(CmsgHdr));
                return (time->Seconds * 1_000_000_000) + time->Nanoseconds;
            }

            at += (header->Length + 7) & ~(nuint)7;
        }

        return null;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int bind(int fd, void* address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recvmsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial uint if_nametoindex(string name);

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, TimeSpec* time);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct SockFilter(ushort Code, byte JumpTrue, byte JumpFalse, uint K);

    [StructLayout(LayoutKind.Sequential)]
    private struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HardwareType;
        public byte PacketType;
        public byte AddressLength;
        public fixed byte Address[8];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }
}
