using System.Globalization;
using System.Net;
using Dram.Tests.Cli;
using Dram.Tests.Support;

namespace Dram.Tests.Supervision;

/// <summary>
/// The process model against real processes: the dram supervisor, its worker processes and the
/// sockets they share. Every wait is on a log line or a response, with a deadline; how long
/// anything takes is the benchmark's business, not these tests'.
/// </summary>
public sealed class SupervisorTests
{
    private static async Task<string> GetAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task Workers_Two_BothBootAndTheAppSeesMultiprocess()
    {
        using var server = await Supervised.StartAsync("-w", "2");
        await server.WaitForServingAsync(2);
        using var http = new HttpClient();

        var body = await GetAsync(http, server.Url + "/");

        Assert.Contains("multiprocess=True", body, StringComparison.Ordinal);
        Assert.Equal(2, server.BootedPids().Count);
        Assert.Contains(Supervised.PidOf(body), server.BootedPids());
        Assert.DoesNotContain(server.Process.Pid, server.BootedPids());
    }

    [Fact]
    public async Task Workers_One_TheAppSeesNoMultiprocess()
    {
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);
        using var http = new HttpClient();

        Assert.Contains("multiprocess=False", await GetAsync(http, server.Url + "/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WorkerGcBudget_SetForTheRuntime_HiddenFromTheApp()
    {
        using var server = await Supervised.StartAsync(new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = null, ["COMPlus_GCgen0size"] = null });
        await server.WaitForServingAsync(1);
        using var http = new HttpClient();

        var worker = server.BootedPids()[0];
        var environ = (await File.ReadAllTextAsync($"/proc/{worker}/environ")).Split('\0');
        Assert.Contains("DOTNET_GCgen0size=0x400000", environ);
        Assert.Equal("DOTNET_GCgen0size=None", await GetAsync(http, server.Url + "/env?DOTNET_GCgen0size"));
    }

    [Fact]
    public async Task WorkerInlineSocketCompletions_SetForTheRuntime_HiddenFromTheApp()
    {
        const string name = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
        using var server = await Supervised.StartAsync(new Dictionary<string, string?> { [name] = null });
        await server.WaitForServingAsync(1);
        using var http = new HttpClient();

        var worker = server.BootedPids()[0];
        var environ = (await File.ReadAllTextAsync($"/proc/{worker}/environ")).Split('\0');
        Assert.Contains(name + "=1", environ);
        Assert.Equal(name + "=None", await GetAsync(http, server.Url + "/env?" + name));
    }

    [Fact]
    public async Task WorkerGcBudget_TheUsersOwnValue_IsKeptAndVisible()
    {
        using var server = await Supervised.StartAsync(new Dictionary<string, string?> { ["DOTNET_GCgen0size"] = "0x800000" });
        await server.WaitForServingAsync(1);
        using var http = new HttpClient();

        Assert.Equal("DOTNET_GCgen0size=0x800000", await GetAsync(http, server.Url + "/env?DOTNET_GCgen0size"));
    }

    [Fact]
    public async Task Sigkill_Worker_DeathLoggedWithCause_ReplacedAndServingGoesOn()
    {
        using var server = await Supervised.StartAsync("-w", "2");
        await server.WaitForServingAsync(2);
        var victim = server.BootedPids()[0];
        await using var load = new Load(server.Url, rawLoops: 2, httpLoops: 0);
        await load.WaitForMoreAsync(20);

        await server.SignalAsync("KILL", victim);

        await server.WaitForLineAsync($"Worker {victim} died: killed by signal 9 (SIGKILL");
        await server.WaitForServingAsync(2, occurrence: 2);
        await load.WaitForMoreAsync(50);
        Assert.Equal(3, server.BootedPids().Count);
    }

    [Fact]
    public async Task WorkerExit_ConnectionsQueuedMeanwhile_AreServedByTheNextWorker()
    {
        // One worker, killed: until its replacement is up nobody accepts, so these connections wait
        // in the supervisor's listening socket. With a per-worker SO_REUSEPORT listener they would
        // be reset when the worker's socket closed (Granian #567).
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);
        var first = server.BootedPids()[0];
        await server.SignalAsync("KILL", first);
        await server.WaitForLineAsync($"Worker {first} died");

        var queued = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var connection = await RawConnection.OpenAsync(server.Url);
                queued.Add(connection);
                await connection.SendAsync($"GET /queued HTTP/1.1\r\nHost: {RawConnection.HostOf(server.Url)}\r\n\r\n");
            }

            foreach (var connection in queued)
            {
                var response = await connection.ReadResponseAsync(timeout: Supervised.Deadline);
                Assert.Equal(200, response.StatusCode);
                Assert.NotEqual(first, Supervised.PidOf(response.BodyText));
            }
        }
        finally
        {
            queued.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Sigttou_WorkerDrainsAndExits_TheOtherKeepsAcceptingOnTheSharedSocket()
    {
        // .NET may shutdown() a socket it disposes; on a listening socket shared by several
        // processes that would stop every one of them. A worker leaving must not.
        using var server = await Supervised.StartAsync("-w", "2");
        await server.WaitForServingAsync(2);
        var pids = server.BootedPids();

        await server.SignalAsync("TTOU");
        await server.WaitForAsync(log => log.Contains("exited (exit code 0)", StringComparison.Ordinal));
        var gone = pids.Single(p => server.Stderr.Contains($"Worker {p} exited (exit code 0)", StringComparison.Ordinal));
        var staying = pids.Single(p => p != gone);

        for (var i = 0; i < 30; i++)
        {
            // A new connection each time, so each one goes through accept().
            using var connection = await RawConnection.OpenAsync(server.Url);
            await connection.SendAsync($"GET /after HTTP/1.1\r\nHost: {RawConnection.HostOf(server.Url)}\r\nConnection: close\r\n\r\n");
            var response = await connection.ReadResponseAsync();
            Assert.Equal(200, response.StatusCode);
            Assert.Equal(staying, Supervised.PidOf(response.BodyText));
        }

        Assert.Contains("Number of workers: 1", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sigttin_AddsAWorker()
    {
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);

        await server.SignalAsync("TTIN");

        await server.WaitForLineAsync("(2 of 2 workers serving)");
        Assert.Equal(2, server.BootedPids().Count);
    }

    [Fact]
    public async Task Sigterm_InFlightRequestFinishes_KeepAliveGetsConnectionClose_Exit0()
    {
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);
        var host = RawConnection.HostOf(server.Url);
        using var keepAlive = await RawConnection.OpenAsync(server.Url);
        await keepAlive.SendAsync($"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        Assert.Null((await keepAlive.ReadResponseAsync()).Header("Connection"));
        using var slow = await RawConnection.OpenAsync(server.Url);
        await slow.SendAsync($"GET /sleep?s=2 HTTP/1.1\r\nHost: {host}\r\n\r\n");

        await server.WaitForLineAsync("dram-test: sleeping");

        await server.SignalAsync("TERM");
        await server.WaitForLineAsync("Draining: stopped accepting; 2 open connections");

        // The idle keep-alive connection is still open; its next request is answered, with close.
        await keepAlive.SendAsync($"GET /next HTTP/1.1\r\nHost: {host}\r\n\r\n");
        var next = await keepAlive.ReadResponseAsync();
        Assert.Equal(200, next.StatusCode);
        Assert.Equal("close", next.Header("Connection"));

        var inFlight = await slow.ReadResponseAsync(timeout: Supervised.Deadline);
        Assert.Equal(200, inFlight.StatusCode);

        var result = await server.Process.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Sigterm_WhileWorkersAreStillImportingTheApp_Exit0AndNoWorkerLeft()
    {
        var dir = Directory.CreateTempSubdirectory("dram-supervision-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "slow_import.py"), """
            import time
            print("dram-test: importing", flush=True)
            time.sleep(120)
            def app(environ, start_response):
                start_response("200 OK", [])
                return [b""]
            """);
        using var process = DramProcess.Start(["--python", Supervised.Python, "--chdir", dir, "-b", "127.0.0.1:0", "-w", "2", "slow_import:app"]);
        await process.WaitForStderrLineAsync(line => line.Contains("dram-test: importing", StringComparison.Ordinal), Supervised.Deadline);
        var workers = Supervised.BootingPids(process.Stderr);
        Assert.Equal(2, workers.Count);

        var kill = await ChildProcess.RunAsync("kill", ["-TERM", process.Pid.ToString(CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.Equal(0, kill.ExitCode);

        var result = await process.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        result.AssertNoStackTrace();
        Assert.DoesNotContain("Listening at", result.Stderr, StringComparison.Ordinal);
        Assert.All(workers, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"worker {pid} outlived the supervisor"));
    }

    [Fact]
    public async Task Sigterm_ToAWorkerDirectly_ItExits0AndIsReplaced()
    {
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);
        var worker = server.BootedPids()[0];

        await server.SignalAsync("TERM", worker);

        await server.WaitForLineAsync($"Worker {worker} died: exit code 0");
        await server.WaitForServingAsync(1, occurrence: 2);
        using var http = new HttpClient();
        Assert.NotEqual(worker, Supervised.PidOf(await GetAsync(http, server.Url + "/")));
    }

    [Fact]
    public async Task Sigquit_StopsWithoutWaitingForRequests_Exit0()
    {
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);
        using var slow = await RawConnection.OpenAsync(server.Url);
        await slow.SendAsync($"GET /sleep?s=30 HTTP/1.1\r\nHost: {RawConnection.HostOf(server.Url)}\r\n\r\n");
        await server.WaitForLineAsync("dram-test: sleeping");

        await server.SignalAsync("QUIT");

        var result = await server.Process.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Handling signal: QUIT", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_AppDoesNotImport_SeveralWorkers_Exits3WithTraceback()
    {
        var result = await DramProcess.RunAsync("--python", Supervised.Python, "--chdir", Path.Combine(CliTestPaths.RepoRoot, "tests", "apps"),
            "-b", "127.0.0.1:0", "-w", "2", "wsgi_import_raises:app");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("dram: error: cannot load app wsgi_import_raises:app", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Traceback (most recent call last):", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("failed to boot (exit code 3); stopping", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }

    [Fact]
    public async Task Sighup_UnderSteadyLoad_EveryWorkerReplaced_NoRequestFails()
    {
        using var server = await Supervised.StartAsync("-w", "2");
        await server.WaitForServingAsync(2);
        var old = server.BootedPids();
        await using var load = new Load(server.Url);
        await load.WaitForMoreAsync(200);

        await server.SignalAsync("HUP");

        await server.WaitForLineAsync("Reload complete: 2 workers replaced");
        await server.WaitForAsync(log => old.All(p => log.Contains($"Worker {p} exited", StringComparison.Ordinal)));
        await load.WaitForMoreAsync(200);
        await load.DisposeAsync();

        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed of {load.Succeeded + load.Failures.Count}: {string.Join("; ", load.Failures.Take(10))}");
        Assert.Equal(4, server.BootedPids().Count);
        Assert.Contains(load.Pids, p => !old.Contains(p));
        Assert.True(load.Closes > 0, "the drained workers answered their connections' next request with Connection: close");
        Assert.DoesNotContain("died", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_AppSourceEdited_WorkersReplacedAndServingTheNewImport()
    {
        using var server = await Supervised.StartAsync("--reload");
        await server.WaitForServingAsync(1);
        var worker = server.BootedPids()[0];

        server.EditApp();

        await server.WaitForLineAsync("supervised_app.py changed (--reload)");
        await server.WaitForLineAsync("Reload complete: 1 workers replaced");

        // The old worker drains in the background and may take one more connection until it exits.
        await server.WaitForAsync(log => log.Contains($"Worker {worker} exited", StringComparison.Ordinal));
        using var http = new HttpClient();
        Assert.NotEqual(worker, Supervised.PidOf(await GetAsync(http, server.Url + "/")));
        Assert.Equal(1, Supervised.Occurrences(server.Stderr, "Reload complete"));
    }

    [Fact]
    public async Task Sighup_AppNoLongerImports_OldWorkersKeepServing()
    {
        using var server = await Supervised.StartAsync();
        await server.WaitForServingAsync(1);
        var worker = server.BootedPids()[0];
        server.BreakApp();

        await server.SignalAsync("HUP");

        await server.WaitForLineAsync("Reload failed");
        Assert.Contains("dram-test: the app no longer imports", server.Stderr, StringComparison.Ordinal);
        using var http = new HttpClient();
        Assert.Equal(worker, Supervised.PidOf(await GetAsync(http, server.Url + "/")));
        Assert.False(server.Process.Stderr.Contains("Shutting down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MaxRequests_WorkerRecycledWithoutAFailedRequest()
    {
        using var server = await Supervised.StartAsync("--max-requests", "50", "--max-requests-jitter", "10");
        await server.WaitForServingAsync(1);
        await using var load = new Load(server.Url, rawLoops: 2, httpLoops: 1);

        await server.WaitForLineAsync("max-requests reached");
        await server.WaitForAsync(log => Supervised.Occurrences(log, "max-requests reached") >= 2);
        await load.DisposeAsync();

        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed of {load.Succeeded + load.Failures.Count}: {string.Join("; ", load.Failures.Take(10))}");
        Assert.True(load.Pids.Count >= 2, "requests were answered by the recycled worker and its replacement");
        Assert.DoesNotContain("died", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxRequests_ReplacementFailsToBoot_OldWorkerServesAndTheReplacementIsRetried()
    {
        using var server = await Supervised.StartAsync("--max-requests", "20");
        await server.WaitForServingAsync(1);
        var worker = server.BootedPids()[0];
        server.BreakApp();
        using var http = new HttpClient();
        for (var i = 0; i < 25; i++)
        {
            Assert.Equal(worker, Supervised.PidOf(await GetAsync(http, server.Url + "/")));
        }

        await server.WaitForAsync(log => Supervised.Occurrences(log, $"Could not replace worker {worker}") >= 2);
        Assert.Equal(worker, Supervised.PidOf(await GetAsync(http, server.Url + "/")));
        server.FixApp();

        await server.WaitForLineAsync($"Worker {worker} exited (exit code 0)");
        Assert.NotEqual(worker, Supervised.PidOf(await GetAsync(http, server.Url + "/")));
    }

    [Fact]
    public async Task MaxRss_WorkerOverTheLimitIsReplacedWithoutAFailedRequest()
    {
        // 1 MiB: every worker is over it, so each is replaced in turn.
        using var server = await Supervised.StartAsync("--max-rss", "1");
        await server.WaitForServingAsync(1);
        var first = server.BootedPids()[0];
        await using var load = new Load(server.Url, rawLoops: 2, httpLoops: 1);

        await server.WaitForLineAsync($"Worker {first} uses ");
        await server.WaitForLineAsync($"Worker {first} exited (exit code 0)");
        await load.WaitForMoreAsync(50);
        await load.DisposeAsync();

        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed of {load.Succeeded + load.Failures.Count}: {string.Join("; ", load.Failures.Take(10))}");
        Assert.Contains($"Replacing worker {first}: over --max-rss", server.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backlog_IsTheListeningSocketsBacklog()
    {
        using var server = await Supervised.StartAsync("--backlog", "37");
        var port = new Uri(server.Url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // For a listening socket ss shows the backlog in the Send-Q column.
        var ss = await ChildProcess.RunAsync("ss", ["-Hltn", "sport", "=", ":" + port], CliTestPaths.RepoRoot);

        Assert.True(ss.ExitCode == 0, ss.ToString());
        var columns = ss.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("37", columns[2]);
    }

    [Fact]
    public async Task SupervisorKilled_WorkersDrainAndExitByThemselves()
    {
        using var server = await Supervised.StartAsync("-w", "2");
        await server.WaitForServingAsync(2);
        var workers = server.BootedPids();

        await server.SignalAsync("KILL");

        // The workers' standard input, a pipe from the supervisor, reaches end of file.
        await server.WaitForAsync(log => workers.All(p => log.Contains($"[{p}] [INFO] Shutting down", StringComparison.Ordinal)));
        foreach (var pid in workers)
        {
            System.Diagnostics.Process worker;
            try
            {
                worker = System.Diagnostics.Process.GetProcessById(pid);
            }
            catch (ArgumentException)
            {
                continue; // Already gone.
            }

            using (worker)
            {
                Assert.True(await Task.Run(() => worker.WaitForExit(Supervised.Deadline)), $"worker {pid} is still running");
            }
        }
    }

    [Fact]
    public async Task Sigint_ToTheWholeProcessGroup_AsCtrlC_StopsOnceWithExit0()
    {
        // setsid gives dram a process group of its own (pid = pgid), as a shell job would have;
        // the terminal's Ctrl-C signals every process in it, workers included.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        using var process = ChildProcess.Start("setsid",
            [dotnet, CliTestPaths.DramDll(), "--python", Supervised.Python, "--chdir", Path.Combine(CliTestPaths.RepoRoot, "tests", "apps"),
                "-b", "127.0.0.1:0", "-w", "2", "wsgi_echo:app"],
            CliTestPaths.RepoRoot);
        var url = await process.WaitForListeningAsync();
        using (var http = new HttpClient())
        {
            await GetAsync(http, url + "/ready");
        }

        var kill = await ChildProcess.RunAsync("kill", ["-INT", "--", "-" + process.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], CliTestPaths.RepoRoot);
        Assert.True(kill.ExitCode == 0, kill.ToString());

        var result = await process.WaitForExitAsync();
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2, Supervised.Occurrences(result.Stderr, "Booting worker"));
        Assert.DoesNotContain("died", result.Stderr, StringComparison.Ordinal);
        result.AssertNoStackTrace();
    }
}
