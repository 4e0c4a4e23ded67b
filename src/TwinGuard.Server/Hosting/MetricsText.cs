using System.Globalization;
using System.Text;

namespace TwinGuard.Server.Hosting;

/// <summary>Writes the Prometheus text exposition format, version 0.0.4 (one <c># HELP</c> and <c># TYPE</c> per family).</summary>
internal sealed class MetricsText
{
    private readonly StringBuilder _text = new();

    public MetricsText Family(string name, string type, string help)
    {
        // Exposition format: HELP text escapes backslash and newline.
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public MetricsText Sample(string name, double value, params (string Name, string Value)[] labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                // Label values escape backslash, double quote and newline.
                _text.Append(i > 0 ? "," : string.Empty).Append(labels[i].Name).Append("=\"")
                    .Append(labels[i].Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                    .Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : double.IsNaN(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf").Append('\n');
        return this;
    }

    public override string ToString() => _text.ToString();
}
