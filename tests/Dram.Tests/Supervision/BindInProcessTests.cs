using System.Net;
using Dram.Tests.Support;

namespace Dram.Tests.Supervision;

/// <summary><c>unix:PATH</c> when <c>DramServer</c> runs in the host's own process (no supervisor): Kestrel binds it.</summary>
[Collection(UsesPython.Name)]
public sealed class BindInProcessTests(PythonFixture python)
{
    [Fact]
    public async Task Unix_ServedByKestrelItself()
    {
        var dir = Directory.CreateTempSubdirectory("dram-binds-").FullName;
        var path = Path.Combine(dir, "own.sock");
        try
        {
            await using (var own = await OwnServer.StartAsync(python, "wsgi_echo:app", o =>
            {
                o.Binds.Clear();
                o.Binds.Add("unix:" + path);
            }))
            {
                using var http = BindTests.UnixClient(path);

                using var response = await http.GetAsync(new Uri("http://localhost/unix"));

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains("/unix", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            Assert.False(File.Exists(path), "the socket file outlived the server");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
