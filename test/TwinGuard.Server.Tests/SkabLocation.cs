namespace TwinGuard.Server.Tests;

/// <summary>Finds ../shared/datasets/skab beside the checkout (CI provides it), or TWINGUARD_SKAB_DIR.</summary>
internal static class SkabLocation
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("TWINGUARD_SKAB_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets", "skab");
            if (Directory.Exists(Path.Combine(candidate, "data")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("../shared/datasets/skab not found beside the checkout (set TWINGUARD_SKAB_DIR)");
    }
}
