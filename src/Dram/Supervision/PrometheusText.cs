using System.Globalization;
using System.Text;

namespace Dram.Cli.Supervision;

/// <summary>
/// Writes the Prometheus text exposition format, version 0.0.4: for each metric family a
/// <c># HELP</c> and a <c># TYPE</c> line, then one <c>name{label="value"} number</c> line per
/// series. Names and label values are Dram's own constants; label values are escaped anyway
/// (backslash, double quote and line feed, as the format specifies).
/// </summary>
internal sealed class PrometheusText
{
    /// <summary>The Content-Type the format is served with.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(4096);

    public override string ToString() => _text.ToString();

    public void Family(string name, string type, string help)
    {
        // HELP text escapes backslash and line feed only.
        _text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, long value, string? label = null, string? labelValue = null)
    {
        Series(name, label, labelValue);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    public void Sample(string name, double value, string? label = null, string? labelValue = null)
    {
        Series(name, label, labelValue);
        _text.Append(Number(value)).Append('\n');
    }

    /// <summary>A float as the format writes it: shortest round-trip form, or +Inf, -Inf, NaN.</summary>
    public static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void Series(string name, string? label, string? labelValue)
    {
        _text.Append(name);
        if (label is not null)
        {
            _text.Append('{').Append(label).Append("=\"")
                .Append((labelValue ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append("\"}");
        }

        _text.Append(' ');
    }
}
