using TwinGuard.Detection.IsolationForests;

namespace TwinGuard.Detection.Tests.IsolationForests;

public sealed class PathLengthTests
{
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.0)]
    [InlineData(2, 1.0)]
    // c(3) = 2(ln 2 + γ) − 4/3, worked by hand: 2(0.6931472 + 0.5772157) − 1.3333333 = 1.2073924
    [InlineData(3, 1.207392357586557)]
    [InlineData(4, 1.8516559071362195)]
    [InlineData(10, 3.7488804844724397)]
    // c(256) = 2(ln 255 + γ) − 510/256 = 2(5.5412635 + 0.5772157) − 1.9921875 = 10.2447709
    [InlineData(256, 10.244770920116851)]
    public void Average_KnownSizes_MatchesPaperFormula(int n, double expected)
    {
        Assert.Equal(expected, PathLength.Average(n), 12);
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(255, 8)]
    [InlineData(256, 8)]
    [InlineData(257, 9)]
    public void HeightLimit_SubsampleSize_IsCeilingLog2(int psi, int expected)
    {
        Assert.Equal(expected, PathLength.HeightLimit(psi));
    }

    [Fact]
    public void Score_PathLengthEqualToAverage_IsOneHalf()
    {
        // ICDM 2008 §2: E[h] = c(ψ) gives s = 0.5; E[h] → 0 gives s → 1.
        Assert.Equal(0.5, PathLength.Score(PathLength.Average(256), 256), 12);
        Assert.Equal(1.0, PathLength.Score(0, 256), 12);
    }
}
