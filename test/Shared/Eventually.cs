namespace TwinGuard.Testing;

/// <summary>Waits for an observable condition with a deadline, instead of sleeping for a guessed time.</summary>
/// <remarks>
/// Shared by the test projects that talk to real processes (linked from <c>test/Shared</c>). The deadline is a hang guard,
/// never a speed goal (those live in <c>bench/</c>): it is at least <see cref="ShortestGuard"/> whatever the caller asks.
/// </remarks>
internal static class Eventually
{
    /// <summary>
    /// The shortest deadline honoured. CI runs the test projects side by side on two cores, beside the servers and child
    /// processes they start: a step that takes milliseconds alone has taken tens of seconds there, and a 10 or 20 s guard
    /// then failed a test whose condition came true a little later. Waiting longer cannot make a test pass that should
    /// fail: the condition must still come true, only a real hang takes a minute to report.
    /// </summary>
    public static readonly TimeSpan ShortestGuard = TimeSpan.FromSeconds(60);

    public static async Task<T> HoldsAsync<T>(Func<T> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        timeout = timeout < ShortestGuard ? ShortestGuard : timeout;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>As <see cref="HoldsAsync{T}(Func{T}, Func{T, bool}, TimeSpan, string)"/>, for a probe that must await (an HTTP request).</summary>
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        timeout = timeout < ShortestGuard ? ShortestGuard : timeout;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds} s waiting for {what}; last value: {value}");
            }

            await Task.Delay(50);
        }
    }
}
