using System.Text;
using Dram.Tests.Support;
using Xunit.Abstractions;

namespace Dram.Tests.Corpus;

/// <summary>
/// gunicorn's HTTP request corpus (../shared/corpora/gunicorn-requests) replayed over TCP through a
/// live Dram serving tests/apps/corpus_echo.py. Every setting-free valid case must be accepted
/// with the expected environ and body, and every setting-free invalid case rejected with a 4xx
/// and a closed connection (or just a close), except the cases listed below with their reasons.
/// The lists are exact: a case that starts or stops behaving as listed fails the test.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class CorpusTests(PythonFixture python, ITestOutputHelper output)
{
    private const string App = "corpus_echo:app";

    /// <summary>
    /// Setting-free valid cases that do not end in <see cref="Verdict.Accepted"/>, with the verdict
    /// they must get and why. Every other setting-free valid case must be accepted exactly.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (Verdict Verdict, string Reason)> ValidExceptions =
        new Dictionary<string, (Verdict, string)>
        {
            ["valid/002"] = (Verdict.Rejected, "Kestrel: Host '0.0.0.0=5000' is not uri-host[:port] (RFC 9110 §7.2, RFC 3986 §3.2.2); Kestrel answers 400"),
            ["valid/003"] = (Verdict.Rejected, "Kestrel: Host '0.0.0.0=5000' is not uri-host[:port] (RFC 9110 §7.2, RFC 3986 §3.2.2); Kestrel answers 400"),
            ["valid/009"] = (Verdict.Rejected, "Kestrel: 'Transfer-Encoding: identity' (identity is no longer a transfer coding, RFC 9112 §7; Kestrel only takes chunked as the final coding) answers 400"),
            ["valid/027"] = (Verdict.Rejected, "Kestrel: raw non-ASCII bytes (UTF-8 'à') in the request target, which RFC 9112 §3.2 and RFC 3986 §2.1 require percent-encoded; Kestrel answers 400"),
            ["valid/021"] = (Verdict.AcceptedChanged, "Kestrel lower-cases the Connection value: 'Close' reaches environ as 'close'"),
            ["valid/022"] = (Verdict.AcceptedChanged, "Kestrel lower-cases the Connection value: 'Keep-Alive' reaches environ as 'keep-alive'"),
            ["valid/rfc9112_target_authority_connect_01"] = (Verdict.WrongEnviron, "CONNECT example.com:443: the expected PATH_INFO '443' is gunicorn's urlsplit reading 'example.com' as a URI scheme; Dram gives the whole authority-form target, as gunicorn itself does for CONNECT [::1]:443 (rfc9112_target_authority_ipv6_01)"),
            ["valid/099"] = (Verdict.Waits, "truncated upstream: declares 17914 body bytes and holds 8599, so a correct server waits for the rest"),
        };

    /// <summary>
    /// Setting-free invalid cases that do not end in <see cref="Verdict.Rejected"/> (4xx and close,
    /// or close), with the verdict they must get and why.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (Verdict Verdict, string Reason)> InvalidExceptions =
        new Dictionary<string, (Verdict, string)>
        {
            ["invalid/004"] = (Verdict.Rejected505, "'FTP/1.1' as the version: Kestrel answers 505 HTTP Version Not Supported (RFC 9110 §15.6.6) and closes"),
            ["invalid/018"] = (Verdict.Rejected505, "'HTTP/111' as the version: Kestrel answers 505 HTTP Version Not Supported (RFC 9110 §15.6.6) and closes"),
            ["invalid/version_02"] = (Verdict.Rejected505, "'HTTP/2.0' in an HTTP/1 request line: Kestrel answers 505 HTTP Version Not Supported (RFC 9110 §15.6.6) and closes"),
            ["invalid/022"] = (Verdict.Accepted, "'Content-Length: -0': Kestrel's parser takes a leading sign and keeps only the number (environ gets CONTENT_LENGTH '0'), so Dram cannot see the sign; framing stays unambiguous (0 bytes)"),
        };

    [Fact]
    public async Task ValidCases_AcceptedWithExpectedEnviron_ExceptListed()
    {
        var url = await python.UrlAsync(App);
        var cases = CorpusCase.Load(valid: true);
        Assert.NotEmpty(cases);
        var outcomes = new List<(CorpusCase Case, Outcome Outcome)>();
        foreach (var c in cases)
        {
            outcomes.Add((c, await CorpusReplay.ValidAsync(url, c)));
        }

        var free = outcomes.Where(o => !o.Case.NeedsSettings).ToList();
        var failures = Unexpected(free, ValidExceptions, Verdict.Accepted);
        var right = free.Count(o => o.Outcome.Verdict is Verdict.Accepted or Verdict.AcceptedChanged or Verdict.Waits);
        var report = new StringBuilder();
        report.AppendLine($"SCORE valid: {right} of {free.Count} setting-free valid cases accepted with the right environ " +
            $"({free.Count(o => o.Outcome.Verdict == Verdict.AcceptedChanged)} of them with Kestrel's lower-cased Connection value, " +
            $"{free.Count(o => o.Outcome.Verdict == Verdict.Waits)} waiting for its truncated body)");
        foreach (var (c, outcome) in free.Where(o => o.Outcome.Verdict != Verdict.Accepted))
        {
            report.AppendLine($"  {c.Name}: {outcome}" + (ValidExceptions.TryGetValue(c.Name, out var listed) ? $" [listed: {listed.Reason}]" : ""));
        }

        report.AppendLine($"Not scored: {outcomes.Count - free.Count} valid cases need gunicorn settings (what Dram does with its defaults):");
        foreach (var (c, outcome) in outcomes.Where(o => o.Case.NeedsSettings))
        {
            report.AppendLine($"  {c.Name} needs {c.Settings}: {outcome}");
        }

        output.WriteLine(report.ToString());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task InvalidCases_Rejected4xxAndClosed_ExceptListed()
    {
        var url = await python.UrlAsync(App);
        var cases = CorpusCase.Load(valid: false);
        Assert.NotEmpty(cases);
        var outcomes = new List<(CorpusCase Case, Outcome Outcome)>();
        foreach (var c in cases)
        {
            outcomes.Add((c, await CorpusReplay.InvalidAsync(url, c)));
        }

        var free = outcomes.Where(o => !o.Case.NeedsSettings).ToList();
        var failures = Unexpected(free, InvalidExceptions, Verdict.Rejected);
        var report = new StringBuilder();
        report.AppendLine($"SCORE invalid: {free.Count(o => o.Outcome.Verdict == Verdict.Rejected)} of {free.Count} setting-free invalid cases rejected with a 4xx and close (or a close), " +
            $"{free.Count(o => o.Outcome.Verdict == Verdict.Rejected505)} more with 505 and close, {free.Count(o => o.Outcome.Verdict == Verdict.Accepted)} accepted");
        foreach (var (c, outcome) in free)
        {
            report.AppendLine($"  {c.Name} ({c.Error}): {outcome}" + (InvalidExceptions.TryGetValue(c.Name, out var listed) ? $" [listed: {listed.Reason}]" : ""));
        }

        report.AppendLine($"Not scored: {outcomes.Count - free.Count} invalid cases need gunicorn settings (what Dram does with its defaults):");
        foreach (var (c, outcome) in outcomes.Where(o => o.Case.NeedsSettings))
        {
            report.AppendLine($"  {c.Name} ({c.Error}) needs {c.Settings}: {outcome}");
        }

        output.WriteLine(report.ToString());
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Cases whose verdict is not the one expected (the default, or the listed exception), and listed cases that are missing.</summary>
    private static List<string> Unexpected(
        List<(CorpusCase Case, Outcome Outcome)> outcomes, IReadOnlyDictionary<string, (Verdict Verdict, string Reason)> exceptions, Verdict normal)
    {
        var failures = new List<string>();
        foreach (var (c, outcome) in outcomes)
        {
            var (expected, reason) = exceptions.TryGetValue(c.Name, out var listed) ? listed : (normal, "");
            if (outcome.Verdict != expected)
            {
                failures.Add($"{c.Name} ({c.Error ?? "valid"}): expected {expected}{(reason.Length > 0 ? $" ({reason})" : "")}, got {outcome}");
            }
        }

        var names = outcomes.Select(o => o.Case.Name).ToHashSet();
        failures.AddRange(exceptions.Keys.Where(k => !names.Contains(k)).Select(k => $"{k} is listed but is not a setting-free case of the corpus"));
        return failures;
    }

    [Fact]
    public void Decode_FollowsTheCorpusReadme()
    {
        var decoded = CorpusCase.Decode(Encoding.Latin1.GetBytes("GET / HTTP/1.1\\r\\n\nA: \\t\\x41\\0\\n\n\\r\\n\n"));
        Assert.Equal("GET / HTTP/1.1\r\nA: \tA\0\n\r\n", Encoding.Latin1.GetString(decoded));
    }
}
