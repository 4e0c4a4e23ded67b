using System.Globalization;
using TwinGuard.Ingest.OpcUa.Encoding;

namespace TwinGuard.Ingest.OpcUa.Transport;

/// <summary>An <c>opc.tcp://host:port/path</c> endpoint URL (OPC 10000-6 §7.1.2.3: at most 4096 bytes).</summary>
/// <param name="Text">The URL as given, sent in Hello and the session requests.</param>
/// <param name="Host">The host.</param>
/// <param name="Port">The port (4840 when absent, the registered port).</param>
public sealed record OpcUaEndpointUrl(string Text, string Host, int Port)
{
    /// <summary>Parses an opc.tcp URL; false with the reason in <paramref name="error"/> when it is not one.</summary>
    public static bool TryParse(string text, out OpcUaEndpointUrl url, out string error)
    {
        url = new OpcUaEndpointUrl(text, string.Empty, 0);
        if (text.Length > 4096 || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "opc.tcp" || uri.Host.Length == 0)
        {
            error = $"expected opc.tcp://HOST:PORT/PATH, found '{text}'";
            return false;
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? 4840 : uri.Port;
        url = new OpcUaEndpointUrl(text, uri.IdnHost.Trim('[', ']'), port);
        error = string.Empty;
        return true;
    }

    /// <summary>Parses an opc.tcp URL.</summary>
    /// <exception cref="OpcUaException">Not one (BadTcpEndpointUrlInvalid).</exception>
    public static OpcUaEndpointUrl Parse(string text) =>
        TryParse(text, out var url, out var error) ? url : throw new OpcUaException(StatusCodes.BadTcpEndpointUrlInvalid, error);

    /// <inheritdoc/>
    public override string ToString() => Text;

    /// <summary>host:port, for findings and logs.</summary>
    public string Authority => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
}
