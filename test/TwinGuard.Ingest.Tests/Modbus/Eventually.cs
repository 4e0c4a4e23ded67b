namespace TwinGuard.Ingest.Tests.Modbus;

/// <summary>Waits for an observable condition with a deadline, instead of sleeping for a guessed time.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out after {seconds} s waiting for {what}");
            }

            await Task.Delay(20);
        }
    }
}
