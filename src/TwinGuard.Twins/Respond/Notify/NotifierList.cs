namespace TwinGuard.Twins.Respond;

/// <summary>The notifiers of a response plan, disposing those that hold a connection (RELP sessions) when the host stops.</summary>
internal sealed class NotifierList(IEnumerable<INotifier> notifiers) : List<INotifier>(notifiers), IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var notifier in this.OfType<IDisposable>())
        {
            notifier.Dispose();
        }
    }
}
