namespace TwinGuard.Testing;

/// <summary>Waits for an observable condition with a deadline, instead of sleeping for a guessed time.</summary>
/// <remarks>Shared by the test projects that talk to real processes (linked from <c>test/Shared</c>).</remarks>
internal static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<T> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
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
