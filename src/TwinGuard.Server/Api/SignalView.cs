using TwinGuard.Twins.Validate;

namespace TwinGuard.Server.Api;

/// <summary>One signal of an asset with its twin's state.</summary>
/// <param name="Id">Signal id.</param>
/// <param name="Unit">Unit.</param>
/// <param name="Min">Lower end of the valid range.</param>
/// <param name="Max">Upper end of the valid range.</param>
/// <param name="Value">Last-known-good value, or null before the first.</param>
/// <param name="ValueTime">Device time of that value.</param>
/// <param name="Expected">The twin's expected value.</param>
/// <param name="Lower">Lower edge of the expected band (expected − k·spread).</param>
/// <param name="Upper">Upper edge of the expected band (expected + k·spread).</param>
/// <param name="Trust">How far the value is trusted.</param>
internal sealed record SignalView(
    string Id, string Unit, double Min, double Max, double? Value, DateTimeOffset? ValueTime, double Expected, double Lower, double Upper, SignalTrust Trust);
