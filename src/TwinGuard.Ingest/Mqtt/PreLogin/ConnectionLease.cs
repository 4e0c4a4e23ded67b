namespace TwinGuard.Ingest.Mqtt.PreLogin;

/// <summary>One admitted connection's place in <see cref="AddressAdmission"/>; disposing it releases the place.</summary>
public sealed class ConnectionLease : IDisposable
{
    private readonly AddressAdmission _admission;
    private int _state; // 0 pending, 1 logged in, 2 login failed

    private int _closed;

    internal ConnectionLease(AddressAdmission admission, UInt128 key, bool reserved)
    {
        _admission = admission;
        Key = key;
        Reserved = reserved;
    }

    /// <summary>The address's key in the table.</summary>
    internal UInt128 Key { get; }

    /// <summary>True when the address is one a device of the plant model lists.</summary>
    internal bool Reserved { get; }

    /// <summary>True once the broker has accepted the client's CONNECT.</summary>
    public bool IsLoggedIn => Volatile.Read(ref _state) == 1;

    /// <summary>The broker accepted the client's CONNECT.</summary>
    public void MarkLoggedIn()
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) == 0)
        {
            _admission.LoggedIn(this);
        }
    }

    /// <summary>The broker refused the client's CONNECT.</summary>
    public void MarkLoginFailed()
    {
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
        {
            _admission.LoginFailed(this);
        }
    }

    /// <summary>Counts the connection as closed before login for <paramref name="reason"/>.</summary>
    public void CountRefusal(AdmissionRefusal reason) => _admission.Count(reason);

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _admission.Closed(this, IsLoggedIn);
        }
    }
}
