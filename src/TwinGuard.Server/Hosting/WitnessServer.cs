using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Server.Hosting;

/// <summary>
/// <c>twinguard witness serve</c>: the c2sp.org/tlog-witness HTTP interface of a <see cref="Witness"/>
/// (<c>POST /add-checkpoint</c>, plus <c>GET /key</c> with its verifier key).
/// </summary>
internal static class WitnessServer
{
    /// <summary>
    /// A witness served on a free 127.0.0.1 port (benchmarks and tests): started again on another when one was taken
    /// between being picked and being bound (<see cref="LoopbackPorts.StartOnFreePortsAsync{T}"/>).
    /// </summary>
    public static Task<(WebApplication Server, string Url)> StartOnLoopbackAsync(Witness witness, CancellationToken ct) =>
        LoopbackPorts.StartOnFreePortsAsync(async () =>
        {
            var url = $"http://127.0.0.1:{LoopbackPorts.Free()}";
            var server = Build(witness, url);
            try
            {
                await server.StartAsync(ct);
                return (server, url);
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        });

    public static WebApplication Build(Witness witness, string urls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = Witness.MaxRequestBytes; // a client grows nothing beyond one note and its proof
            k.Limits.MaxConcurrentConnections = 256;
        });
        builder.Logging.AddStandardErrorConsole(); // stdout is the command's (bench witness --json)
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

            try
            {
                var answer = await witness.AddCheckpointAsync(body, ct);
                return Results.Text(answer.Body, answer.ContentType, statusCode: answer.Status);
            }
            catch (IOException ex)
            {
                // The state could not be made durable: nothing was cosigned; the log tries again with its next checkpoint.
                return Results.Text($"the witness cannot store its state: {ex.Message}\n", "text/plain", statusCode: 503);
            }
        });
        app.MapGet("/key", () => Results.Text(witness.PublicKey.VerifierKey + "\n", "text/plain"));
        return app;
    }
}
