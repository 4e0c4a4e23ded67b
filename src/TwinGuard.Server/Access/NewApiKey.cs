namespace TwinGuard.Server.Access;

/// <summary>A key just made: its record and its token, which is shown this once and never stored.</summary>
/// <param name="Key">The stored record.</param>
/// <param name="Token">The secret to give to its holder: <c>tgk_ID_SECRET</c>.</param>
internal sealed record NewApiKey(ApiKey Key, string Token);
