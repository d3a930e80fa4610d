using System.Net.Http.Json;
using Dram.Tests.Apps;
using Dram.Tests.Support;

namespace Dram.Tests.Asgi;

public sealed class FastApiUnderUvicorn() : UvicornServer(FastApiAppTests.App);

/// <summary>
/// A FastAPI app (tests/apps/real/fastapi_app.py; Debian's FastAPI 0.92 with pydantic 1.10) served
/// by Dram and by uvicorn: a pydantic model validated from a JSON body (200 with the model, 422 with
/// FastAPI's error detail), typed path and query parameters, a plain def endpoint run in a thread.
/// </summary>
[Collection(UsesPython.Name)]
public sealed class FastApiAppTests(PythonFixture python, FastApiUnderUvicorn uvicorn) : IClassFixture<FastApiUnderUvicorn>
{
    public const string App = "real.fastapi_app:app";

    private async Task<(Captured Dram, Captured Uvicorn)> BothAsync(Func<string, HttpRequestMessage> request) =>
        await Exchange.BothAsync(python.Http, await python.UrlAsync(App), uvicorn.Url, request);

    private static Func<string, HttpRequestMessage> PostItem(object item) => url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/items"))
    {
        Content = JsonContent.Create(item),
    };

    [Fact]
    public async Task PostModel_Valid_200WithTheModelSameAsUvicorn()
    {
        var (dram, reference) = await BothAsync(PostItem(new { name = "widget", price = "2.5", tags = (string[])["a", "b"] }));

        Assert.Equal(200, dram.Status);
        Assert.Equal("application/json", dram.Header("Content-Type"));
        // pydantic converted the price from a string.
        Assert.Equal("""{"name":"widget","price":2.5,"tags":["a","b"]}""", dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task PostModel_Invalid_422WithValidationDetailSameAsUvicorn()
    {
        var (dram, reference) = await BothAsync(PostItem(new { name = "widget", price = "not a number" }));

        Assert.Equal(422, dram.Status);
        Assert.Equal("""{"detail":[{"loc":["body","price"],"msg":"value is not a valid float","type":"type_error.float"}]}""", dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task PostModel_MalformedJson_422SameAsUvicorn()
    {
        var (dram, reference) = await BothAsync(url => new HttpRequestMessage(HttpMethod.Post, new Uri(url + "/items"))
        {
            Content = new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"),
        });

        Assert.Equal(422, dram.Status);
        Exchange.AssertSame(dram, reference);
    }

    [Theory]
    [InlineData("/items/7?q=z", 200, """{"item_id":7,"q":"z"}""")]
    [InlineData("/items/8", 200, """{"item_id":8,"q":null}""")]
    [InlineData("/sync", 200, """{"sync":true}""")]
    [InlineData("/missing", 404, """{"detail":"Not Found"}""")]
    public async Task Get_Routes_SameAsUvicorn(string target, int status, string json)
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(App), uvicorn.Url, target);

        Assert.Equal(status, dram.Status);
        Assert.Equal(json, dram.Text);
        Exchange.AssertSame(dram, reference);
    }

    [Fact]
    public async Task Get_PathParameterNotAnInt_422SameAsUvicorn()
    {
        var (dram, reference) = await Exchange.GetBothAsync(python.Http, await python.UrlAsync(App), uvicorn.Url, "/items/seven");

        Assert.Equal(422, dram.Status);
        Assert.Contains("value is not a valid integer", dram.Text, StringComparison.Ordinal);
        Exchange.AssertSame(dram, reference);
    }
}
