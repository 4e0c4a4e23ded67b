using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// <c>twinguard witness serve</c>: the c2sp.org/tlog-witness HTTP interface of a <see cref="Witness"/>
/// (<c>POST /add-checkpoint</c>, plus <c>GET /key</c> with its verifier key).
/// </summary>
internal static class WitnessServer
{
    public static WebApplication Build(Witness witness, string urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Witness.MaxRequestBytes; // a client grows nothing beyond one note and its proof
            k.Limits.MaxConcurrentConnections = 256;
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/add-checkpoint", async (HttpRequest request, CancellationToken ct) =>
        {
            string body;
            try
            {
                using var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8);
                body = await reader.ReadToEndAsync(ct);
            }
            catch (BadHttpRequestException)
            {
                return Results.Text($"request larger than {Witness.MaxRequestBytes} bytes\n", "text/plain", statusCode: 413);
            }

            var answer = witness.AddCheckpoint(body);
            return Results.Text(answer.Body, answer.ContentType, statusCode: answer.Status);
        });
        app.MapGet("/key", () => Results.Text(witness.PublicKey.VerifierKey + "\n", "text/plain"));
        return app;
    }
}
