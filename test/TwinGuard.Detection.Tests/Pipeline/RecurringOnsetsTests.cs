using TwinGuard.Detection.Pipeline;

namespace TwinGuard.Detection.Tests.Pipeline;

public sealed class RecurringOnsetsTests
{
    /// <summary>Feeds one onset at each given row (no onset elsewhere) and returns the rows that came out as news.</summary>
    private static List<int> News(RecurringOnsets beat, int rows, params int[] onsets)
    {
        var news = new List<int>();
        for (var i = 0; i < rows; i++)
        {
            if (beat.Next(onsets.Contains(i)))
            {
                news.Add(i);
            }
        }

        return news;
    }

    private static RecurringOnsets Daily() => new(tolerance: 0.1, repeats: 2, sameEventRows: 10, minInterval: 100);

    [Fact]
    public void Next_DailySpikeWithWanderingTimeOfDay_NewsUntilTheCycleWasSeenThreeTimes()
    {
        // A spike about every 288 rows (a day of 5-minute rows), its time of day wandering by up to 25 rows: intervals
        // 300, 275, 290, 282, 296 each differ from the one before by at most 9.1 %, within the tolerance of 10 %.
        int[] spikes = [100, 400, 675, 965, 1247, 1543];

        var news = News(Daily(), 2000, spikes);

        // The fourth spike is the first whose two intervals before it kept the beat.
        Assert.Equal([100, 400, 675], news);
    }

    [Fact]
    public void Next_EventOffTheBeat_IsNewsAndTheBeatMustBeSeenAgain()
    {
        var beat = Daily();
        // Routine from the fourth spike (864); then an event half a day after the fifth breaks the beat, and the spikes
        // after it are news until two intervals in a row keep it again.
        int[] onsets = [0, 288, 576, 864, 1152, 1296, 1584, 1872, 2160, 2448];

        var news = News(beat, 2600, onsets);

        Assert.Equal([0, 288, 576, 1296, 1584, 1872], news);
        Assert.Equal(4, beat.RoutineEvents);
    }

    [Fact]
    public void Next_IntervalsDrifting_BeyondTheTolerance_AreAllNews()
    {
        // Each interval 20 % longer than the one before: no beat.
        int[] onsets = [0, 200, 440, 728, 1074, 1489];

        Assert.Equal(onsets, News(Daily(), 1600, onsets));
    }

    [Fact]
    public void Next_OnsetsOfOneEvent_FollowTheEventsVerdict()
    {
        // Two likelihoods fire a few rows apart on the same spike: one event. The second onset of a news event is
        // passed on (the refractory period decides), that of a routine event is not.
        int[] onsets = [0, 3, 300, 600, 900, 905];

        var news = News(Daily(), 1000, onsets);

        Assert.Equal([0, 3, 300, 600], news);
    }

    [Fact]
    public void Next_BeatFasterThanTheMinimumInterval_IsNoRoutine()
    {
        // Events 50 rows apart are one incident for a 100-row refractory period, not a cycle.
        int[] onsets = [0, 50, 100, 150, 200, 250];

        Assert.Equal(onsets, News(Daily(), 300, onsets));
    }

    [Fact]
    public void Reset_ForgetsTheBeat()
    {
        var beat = Daily();
        News(beat, 1200, 0, 288, 576, 864);

        beat.Reset();

        Assert.Equal([0, 288, 576], News(beat, 1200, 0, 288, 576, 864));
    }
}
