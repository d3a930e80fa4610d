using System.Globalization;
using System.Text.RegularExpressions;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Supervision;

/// <summary>
/// The real dram command with its supervisor and worker processes, serving a small app written
/// to a temporary directory. Tests synchronise on the supervisor's log lines, never on sleeps.
/// </summary>
internal sealed partial class Supervised : IDisposable
{
    public const string Python = "/usr/bin/python3";
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The app: answers its pid and the import's serial number; /sleep?s=N sleeps first;
    /// /env?NAME answers NAME's value in os.environ.
    /// IMPORT_FAILS makes a later import (at a SIGHUP reload) raise.
    /// </summary>
    private const string AppSource = """
        import os, time
        if os.path.exists(os.path.join(os.path.dirname(__file__), "IMPORT_FAILS")):
            raise RuntimeError("dram-test: the app no longer imports")

        def app(environ, start_response):
            path = environ["PATH_INFO"]
            if path == "/sleep":
                print("dram-test: sleeping in", os.getpid(), flush=True)
                time.sleep(float(environ["QUERY_STRING"].split("=")[1]))
            if path == "/env":
                body = "%s=%s" % (environ["QUERY_STRING"], os.environ.get(environ["QUERY_STRING"]))
            else:
                body = "pid=%d multiprocess=%s" % (os.getpid(), environ["wsgi.multiprocess"])
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
            return [body.encode()]
        """;

    private readonly string _dir;

    private Supervised(string dir, ChildProcess process, string url)
    {
        _dir = dir;
        Process = process;
        Url = url;
    }

    public ChildProcess Process { get; }

    public string Url { get; }

    public string Stderr => Process.Stderr;

    public static Task<Supervised> StartAsync(params string[] args) => StartAsync(new Dictionary<string, string?>(), args);

    public static async Task<Supervised> StartAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var dir = Directory.CreateTempSubdirectory("dram-supervision-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "supervised_app.py"), AppSource);
        var process = DramProcess.Start(environment, ["--python", Python, "--chdir", dir, "-b", "127.0.0.1:0", .. args, "supervised_app:app"]);
        var url = await process.WaitForListeningAsync();
        return new Supervised(dir, process, url);
    }

    /// <summary>Makes the next import of the app raise.</summary>
    public void BreakApp() => File.WriteAllText(Path.Combine(_dir, "IMPORT_FAILS"), "");

    /// <summary>Makes the app import again.</summary>
    public void FixApp() => File.Delete(Path.Combine(_dir, "IMPORT_FAILS"));

    /// <summary>Edits the app's source, as a developer saving it would.</summary>
    public void EditApp() => File.AppendAllText(Path.Combine(_dir, "supervised_app.py"), "\n# edited by the test\n");

    /// <summary>Waits until the supervisor reports <paramref name="count"/> workers serving; returns the pids of those booted so far.</summary>
    public async Task WaitForServingAsync(int count, int occurrence = 1)
    {
        var needle = $"({count} of {count} workers serving)";
        await WaitForAsync(log => Occurrences(log, needle) >= occurrence);
    }

    /// <summary>Waits until the whole error log satisfies <paramref name="condition"/>.</summary>
    public async Task WaitForAsync(Func<string, bool> condition)
    {
        // Each new stderr line re-evaluates the condition over the whole log.
        await Process.WaitForStderrLineAsync(_ => condition(Process.Stderr), Deadline);
    }

    public Task<string> WaitForLineAsync(string contains) =>
        Process.WaitForStderrLineAsync(l => l.Contains(contains, StringComparison.Ordinal), Deadline);

    public static int Occurrences(string text, string needle)
    {
        var count = 0;
        for (var i = text.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = text.IndexOf(needle, i + 1, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>The pids the supervisor booted, in order.</summary>
    public IReadOnlyList<int> BootedPids() => BootingPids(Stderr);

    /// <summary>The pids of the workers a supervisor's log says it started.</summary>
    public static IReadOnlyList<int> BootingPids(string log) =>
        [.. BootingLine().Matches(log).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    public async Task SignalAsync(string signal, int? pid = null)
    {
        var target = (pid ?? Process.Pid).ToString(CultureInfo.InvariantCulture);
        var kill = await ChildProcess.RunAsync("kill", ["-" + signal, target], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());
    }

    /// <summary>The pid of the process that answered, from the app's body.</summary>
    public static int PidOf(string body) =>
        int.Parse(PidInBody().Match(body).Groups[1].Value, CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [GeneratedRegex(@"Booting worker with pid: (\d+)")]
    private static partial Regex BootingLine();

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidInBody();
}
