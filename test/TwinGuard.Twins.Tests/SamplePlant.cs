using TwinGuard.Twins.Plant;

namespace TwinGuard.Twins.Tests;

/// <summary>The repository's samples/plant.yaml, loaded once.</summary>
internal static class SamplePlant
{
    private static readonly Lazy<PlantModel> Model = new(() => PlantModelLoader.Load(Path));

    public static PlantModel Load() => Model.Value;

    public static string Path
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "TwinGuard.slnx")))
            {
                dir = dir.Parent;
            }

            return System.IO.Path.Combine(dir!.FullName, "samples", "plant.yaml");
        }
    }

    public static string Text => File.ReadAllText(Path);
}
