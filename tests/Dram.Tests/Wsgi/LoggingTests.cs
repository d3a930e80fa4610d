using Dram.Tests.Support;

namespace Dram.Tests.Wsgi;

/// <summary>App output (print, logging, wsgi.errors) reaches the error log, promptly (tests/apps/wsgi_errors.py).</summary>
[Collection(UsesPython.Name)]
public sealed class LoggingTests(PythonFixture python)
{
    private const string App = "wsgi_errors:app";

    [Theory]
    [InlineData("dram-test print")]
    [InlineData("dram-test logging")]
    [InlineData("dram-test wsgi.errors")]
    [InlineData("dram-test writelines")]
    [InlineData("dram-test flushed")]
    public async Task AppOutput_EachChannel_ReachesErrorLog(string channel)
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var from = python.Log.Position;
        Assert.Equal("printed", await python.Http.GetStringAsync(new Uri($"{url}/output?marker={marker}")));
        Assert.True(await python.Log.WaitForAsync($"{channel} {marker}", from),
            $"'{channel} {marker}' not in the log: {python.Log.Since(from)}");
    }

    [Fact]
    public async Task AppOutput_Print_InLogBeforeResponseFinishes()
    {
        var url = await python.UrlAsync(App);
        var marker = "m" + AppControl.NewId();
        var id = AppControl.NewId();
        var from = python.Log.Position;
        var pending = python.Http.GetStringAsync(new Uri($"{url}/print-block?marker={marker}&id={id}"));
        try
        {
            // The app waits for this test to see its line before it answers.
            Assert.True(await python.Log.WaitForAsync($"dram-test before-block {marker}", from),
                "the app's print() did not reach the log while the request was still running");
            Assert.False(pending.IsCompleted);
        }
        finally
        {
            await python.Http.ReleaseAsync(url, id);
        }

        Assert.Equal("released", await pending);
    }
}
