using TwinGuard.Detection;

namespace TwinGuard.Server.Offline;

/// <summary>One NAB data file with its labelled windows.</summary>
/// <param name="Name">The file relative to <c>data/</c>, e.g. <c>realTraffic/speed_6005.csv</c>.</param>
/// <param name="Values">The <c>value</c> column, one row per observation.</param>
/// <param name="ColumnNames">The feature column names (<c>value</c>).</param>
/// <param name="Windows">The anomaly windows as row ranges, in time order.</param>
internal sealed record NabSeries(string Name, FeatureMatrix Values, IReadOnlyList<string> ColumnNames, IReadOnlyList<NabWindow> Windows);
