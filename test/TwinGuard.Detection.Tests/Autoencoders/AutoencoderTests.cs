using TwinGuard.Detection.Autoencoders;

namespace TwinGuard.Detection.Tests.Autoencoders;

public sealed class AutoencoderTests
{
    [Fact]
    public void Fit_CorrelatedData_LearnsToReconstruct()
    {
        var data = TestData.Gaussian(600, 6, seed: 8);
        var short1 = new Autoencoder(new AutoencoderOptions { Epochs = 1 });
        var trained = new Autoencoder(new AutoencoderOptions { Epochs = 80 });
        short1.Fit(data);
        trained.Fit(data);

        Assert.True(trained.FinalLoss < short1.FinalLoss, $"{trained.FinalLoss} vs {short1.FinalLoss}");
        Assert.True(trained.FinalLoss < 0.6, $"loss {trained.FinalLoss} (1.0 = predicting the mean)");
        Assert.Equal([6, 3, 1, 3, 6], trained.LayerWidths);
    }

    [Fact]
    public void Explain_OneFeatureOff_BlamesIt()
    {
        var data = TestData.Gaussian(600, 6, seed: 9);
        var model = new Autoencoder();
        model.Fit(data);
        var row = data.Row(3).ToArray();
        row[4] += 40 * 5; // column 4 has scale 5
        var contributions = new double[6];
        model.Explain(row, contributions);

        Assert.Equal(4, Array.IndexOf(contributions, contributions.Max()));
    }
}
