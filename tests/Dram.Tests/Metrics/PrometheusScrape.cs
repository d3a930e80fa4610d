using System.Globalization;
using System.Text.RegularExpressions;

namespace Dram.Tests.Metrics;

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4 for the tests: every line must be a
/// <c># HELP</c>, a <c># TYPE</c> or a sample of a family already typed; names must be valid; a
/// histogram's buckets must ascend in <c>le</c>, be cumulative and end with <c>+Inf</c> equal to
/// <c>_count</c>. Anything else fails the test that scraped.
/// </summary>
internal sealed partial class PrometheusScrape
{
    private static readonly HashSet<string> s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private PrometheusScrape(Dictionary<string, double> samples, Dictionary<string, string> types, Dictionary<string, List<(double Le, double Count)>> buckets)
    {
        Samples = samples;
        Types = types;
        Buckets = buckets;
    }

    /// <summary>Each sample by its series, written <c>name{label="value"}</c> or <c>name</c>.</summary>
    public IReadOnlyDictionary<string, double> Samples { get; }

    /// <summary>Each family's TYPE.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Each histogram's buckets in order: (upper bound, cumulative count).</summary>
    public IReadOnlyDictionary<string, List<(double Le, double Count)>> Buckets { get; }

    /// <summary>A sample's value; a series that is absent counts 0 (a counter never incremented).</summary>
    public double this[string series] => Samples.GetValueOrDefault(series);

    public static PrometheusScrape Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new HashSet<string>(StringComparer.Ordinal);
        var buckets = new Dictionary<string, List<(double, double)>>(StringComparer.Ordinal);
        var seenSamples = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line["# HELP ".Length..].Split(' ', 2);
                Assert.Matches(MetricName(), parts[0]);
                Assert.True(parts.Length == 2 && parts[1].Length > 0, $"HELP without text: {line}");
                Assert.True(helps.Add(parts[0]), $"second HELP for {parts[0]}");
                Assert.DoesNotContain(parts[0], seenSamples);
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line["# TYPE ".Length..].Split(' ');
                Assert.Equal(2, parts.Length);
                Assert.Matches(MetricName(), parts[0]);
                Assert.Contains(parts[1], s_types);
                Assert.True(types.TryAdd(parts[0], parts[1]), $"second TYPE for {parts[0]}");
                Assert.DoesNotContain(parts[0], seenSamples);
                continue;
            }

            Assert.False(line.StartsWith('#'), $"unexpected comment line: {line}");
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: '{line}'");
            var name = match.Groups["name"].Value;
            var value = ParseValue(match.Groups["value"].Value);
            var family = FamilyOf(name, types);
            Assert.True(types.ContainsKey(family), $"sample before its TYPE line: {line}");
            Assert.Contains(family, helps);
            seenSamples.Add(family);
            if (types[family] == "counter")
            {
                Assert.EndsWith("_total", name, StringComparison.Ordinal);
                Assert.True(value >= 0, $"negative counter: {line}");
            }

            var series = match.Groups["label"].Success ? $"{name}{{{match.Groups["label"].Value}=\"{match.Groups["lvalue"].Value}\"}}" : name;
            Assert.True(samples.TryAdd(series, value), $"series twice: {series}");
            if (name == family + "_bucket")
            {
                Assert.Equal("le", match.Groups["label"].Value);
                var list = buckets.TryGetValue(family, out var existing) ? existing : buckets[family] = [];
                list.Add((ParseValue(match.Groups["lvalue"].Value), value));
            }
        }

        foreach (var (family, type) in types.Where(t => t.Value == "histogram"))
        {
            var list = Assert.Contains(family, (IReadOnlyDictionary<string, List<(double, double)>>)buckets);
            for (var i = 1; i < list.Count; i++)
            {
                Assert.True(list[i].Item1 > list[i - 1].Item1, $"{family}: le not ascending");
                Assert.True(list[i].Item2 >= list[i - 1].Item2, $"{family}: buckets not cumulative");
            }

            Assert.Equal(double.PositiveInfinity, list[^1].Item1);
            Assert.Equal(list[^1].Item2, samples[family + "_count"]);
            Assert.True(samples.ContainsKey(family + "_sum"), $"{family}: no _sum");
        }

        return new PrometheusScrape(samples, types, buckets);
    }

    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in (string[])["_bucket", "_sum", "_count"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(name[..^suffix.Length]) == "histogram")
            {
                return name[..^suffix.Length];
            }
        }

        return name;
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<label>[a-zA-Z_][a-zA-Z0-9_]*)="(?<lvalue>(?:[^"\\\n]|\\.)*)"\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();
}
