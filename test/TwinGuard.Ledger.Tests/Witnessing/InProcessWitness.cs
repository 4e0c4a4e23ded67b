using System.Net;
using System.Text;
using TwinGuard.Ledger.Witnessing;

namespace TwinGuard.Ledger.Tests.Witnessing;

/// <summary>Routes a client's <c>POST …/add-checkpoint</c> to a real <see cref="Witness"/> in this process (HTTP framing only).</summary>
internal sealed class InProcessWitness(Witness witness) : HttpMessageHandler
{
    public int Requests { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests++;
        if (request.Method != HttpMethod.Post || !request.RequestUri!.AbsolutePath.EndsWith("/add-checkpoint", StringComparison.Ordinal))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound);
        }

        var answer = witness.AddCheckpoint(await request.Content!.ReadAsStringAsync(cancellationToken));
        return new HttpResponseMessage((HttpStatusCode)answer.Status)
        {
            Content = new StringContent(answer.Body, Encoding.UTF8),
        };
    }
}
