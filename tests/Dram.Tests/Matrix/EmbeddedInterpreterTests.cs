using Dram.Python;
using Dram.Tests.Support;

namespace Dram.Tests.Matrix;

/// <summary>
/// Names, in the test output, the interpreter this test process embeds ($DRAM_TEST_PYTHON, else
/// Debian's /usr/bin/python3), and proves it is the one Dram really loaded. ./test runs the WSGI
/// conformance tests once per CPython 3.9–3.13 together with this class, so each pass's results
/// carry the interpreter's version and path in a test name.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class EmbeddedInterpreterTests(PythonFixture python)
{
    /// <summary>
    /// One row whose display name names the interpreter: (version: "CPython 3.12.1", path:
    /// "/root/.pyenv/versions/3.12.1/bin/python3"). Two short values, as xunit cuts each at 50 characters.
    /// </summary>
    public static TheoryData<string, string> Interpreter => new() { { TestInterpreter.Name, PythonFixture.Interpreter } };

    [Theory]
    [MemberData(nameof(Interpreter))]
    public async Task Embedded_IsTheInterpreterTheRunAskedFor(string version, string path)
    {
        var interpreter = $"{version} ({path})";
        Assert.True(TestInterpreter.Version is not null, $"cannot run {path}: {TestInterpreter.Error}");
        if (Environment.GetEnvironmentVariable(PythonFixture.InterpreterVariable) is { Length: > 0 } asked)
        {
            Assert.Equal(asked, PythonFixture.Interpreter);
        }

        // Any server makes the process embed the interpreter; this one must answer.
        var url = await python.UrlAsync("wsgi_echo:app");
        using var response = await python.Http.GetAsync(new Uri(url + "/"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        var runtime = PythonRuntime.Current;
        Assert.NotNull(runtime);
        Assert.Equal(TestInterpreter.Executable, runtime.Installation.Executable);
        Assert.Equal(TestInterpreter.Version, runtime.Installation.Version);

        // The version libpython itself reports, not only what the command said: the shared library
        // loaded must be that interpreter's.
        Assert.StartsWith(TestInterpreter.Version + " ", PythonRuntime.LoadedVersion, StringComparison.Ordinal);
        Assert.True(runtime.Installation.Major == 3 && runtime.Installation.Minor >= 9, $"{interpreter} is older than 3.9");
    }
}
