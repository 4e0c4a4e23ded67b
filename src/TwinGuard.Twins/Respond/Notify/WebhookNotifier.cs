using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace TwinGuard.Twins.Respond;

/// <summary>POSTs the alert as JSON with an HMAC-SHA256 signature of the exact body bytes (RFC 2104).</summary>
/// <remarks>
/// Header <c>X-TwinGuard-Signature: sha256=HEX</c> where HEX = lowercase hex of HMAC-SHA256(key, body). The key is
/// read from the environment variable the notifier names. The receiver must compare in constant time and may refuse
/// bodies whose <c>time</c> is too old (replay).
/// </remarks>
public sealed class WebhookNotifier(NotifierModel model, HttpClient http, byte[] key) : INotifier
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-TwinGuard-Signature";

    /// <inheritdoc />
    public string Id => model.Id;

    /// <summary>The header value for a body.</summary>
    public static string Sign(byte[] key, byte[] body) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(key, body));

    /// <inheritdoc />
    public Task<string> NotifyAsync(IncidentAlert alert, CancellationToken cancellationToken) => DeliverAsync(AlertJson.WebhookBody(alert), cancellationToken);

    /// <inheritdoc />
    public string Render(ForwardedFinding finding) => AlertJson.FindingWebhookBody(finding);

    /// <inheritdoc />
    public async Task<string> DeliverAsync(string rendered, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(rendered);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, model.Url) { Content = content };
        request.Headers.Add(SignatureHeader, Sign(key, body));
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"webhook {model.Url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return $"webhook {model.Url} ({((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)})";
    }
}
