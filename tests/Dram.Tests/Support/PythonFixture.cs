using System.Collections.Concurrent;
using Dram.Server;

namespace Dram.Tests.Support;

/// <summary>
/// The one embedded interpreter of the test process and the servers running on it. CPython starts
/// once per process, so every test that touches Python belongs to <see cref="UsesPython"/>,
/// and every server uses <see cref="Interpreter"/>. Servers are started on first use and kept for
/// the whole run (keyed by their settings); all of them write to one <see cref="Log"/>.
/// </summary>
public sealed class PythonFixture : IAsyncLifetime
{
    /// <summary>The environment variable that chooses the interpreter (./test sets it for each matrix pass).</summary>
    public const string InterpreterVariable = "DRAM_TEST_PYTHON";

    /// <summary>The default: Debian's interpreter (the python3 first on PATH may be a pyenv shim).</summary>
    public const string DefaultInterpreter = "/usr/bin/python3";

    /// <summary>
    /// The interpreter every server of this test process embeds: <c>$DRAM_TEST_PYTHON</c> when set,
    /// else Debian's <c>/usr/bin/python3</c>. <see cref="Dram.Tests.Matrix.EmbeddedInterpreterTests"/>
    /// names it (version and path) in the test output and checks it is the one really embedded.
    /// </summary>
    public static string Interpreter { get; } =
        Environment.GetEnvironmentVariable(InterpreterVariable) is { Length: > 0 } chosen ? chosen : DefaultInterpreter;

    private readonly ConcurrentDictionary<string, Lazy<Task<DramServer>>> _servers = new();

    public LogCapture Log { get; } = new(Path.Combine(Path.GetTempPath(), $"dram-wsgi-tests-{Environment.ProcessId}.log"));

    public HttpClient Http { get; } = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Options for <paramref name="app"/> on a free loopback port, logging to <see cref="Log"/>.</summary>
    public DramServerOptions CreateOptions(string? app)
    {
        var options = new DramServerOptions
        {
            App = app,
            Python = Interpreter,
            Threads = 8,
            ErrorLog = Log,
        };
        options.Binds.Add("127.0.0.1:0");
        options.PythonPath.Add(RepoPaths.Apps);
        return options;
    }

    /// <summary>
    /// A running server for <paramref name="app"/> with these settings, shared with every other test
    /// that asks for the same ones. Returns its base URL (no trailing slash).
    /// </summary>
    public async Task<string> UrlAsync(string app, int threads = 8, long? maxRequestBody = null, bool factory = false)
    {
        var key = $"{app}|{threads}|{maxRequestBody}|{factory}";
        var lazy = _servers.GetOrAdd(key, _ => new Lazy<Task<DramServer>>(() =>
        {
            var options = CreateOptions(app);
            options.Threads = threads;
            options.Factory = factory;
            if (maxRequestBody is long max)
            {
                options.MaxRequestBody = max;
            }

            return DramServer.StartAsync(options);
        }));
        var server = await lazy.Value.ConfigureAwait(false);
        return server.Urls[0].TrimEnd('/');
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Http.Dispose();
        foreach (var lazy in _servers.Values)
        {
            if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully)
            {
                continue;
            }

            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await lazy.Value.Result.StopAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // A server that will not stop in time must not hang the test run.
            }
        }

        await Log.FlushAsync().ConfigureAwait(false);
    }
}

/// <summary>Every test class that uses Python: they share one interpreter and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class UsesPython : ICollectionFixture<PythonFixture>
{
    public const string Name = "python";
}
