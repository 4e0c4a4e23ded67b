namespace TwinGuard.Server.Tests;

/// <summary>Finds ../shared/datasets/nab-dev beside the checkout (CI provides it), or TWINGUARD_NAB_DIR.</summary>
internal static class NabLocation
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("TWINGUARD_NAB_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "nab-dev");
            if (File.Exists(Path.Combine(candidate, "windows.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("../shared/datasets/nab-dev not found beside the checkout (set TWINGUARD_NAB_DIR)");
    }
}
