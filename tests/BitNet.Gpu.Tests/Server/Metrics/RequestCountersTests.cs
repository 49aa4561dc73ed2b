using BitNet.Gpu.Server.Http;
using BitNet.Gpu.Server.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace BitNet.Gpu.Tests.Server.Metrics;

/// <summary>
/// How an ended request is counted. A <see cref="DefaultHttpContext"/>'s Abort does not cancel RequestAborted, which is
/// what a request sees when Kestrel has not yet run its (thread-pool) cancellation as the request unwinds.
/// </summary>
public class RequestCountersTests
{
    static async Task<string> OutcomeOf(RequestDelegate handler, string path = "/v1/completions")
    {
        var counters = new RequestCounters();
        var context = new DefaultHttpContext();
        context.Request.Path = path;
        context.SetEndpoint(new RouteEndpoint(_ => Task.CompletedTask, RoutePatternFactory.Parse(path), 0, null, path)); // as routing leaves it
        await counters.CountAsync(context, handler);
        var (key, count) = Assert.Single(counters.Snapshot());
        Assert.Equal(1, count);
        Assert.Equal(path, key.Endpoint);
        return key.Outcome;
    }

    [Fact]
    public async Task AClientThatLeft_IsCancelled_BeforeRequestAbortedFires()
    {
        Assert.Equal("cancelled", await OutcomeOf(context =>
        {
            ClientGone.Abort(context);
            Assert.False(context.RequestAborted.IsCancellationRequested); // as in Kestrel, for a moment
            return Task.CompletedTask;
        }));
    }

    [Fact]
    public async Task Outcomes_FollowTheStatusCode()
    {
        Assert.Equal("ok", await OutcomeOf(_ => Task.CompletedTask));
        Assert.Equal("client_error", await OutcomeOf(c => { c.Response.StatusCode = 400; return Task.CompletedTask; }));
        Assert.Equal("rejected", await OutcomeOf(c => { c.Response.StatusCode = 429; return Task.CompletedTask; }));
        Assert.Equal("rejected", await OutcomeOf(c => { c.Response.StatusCode = 503; return Task.CompletedTask; }));
        Assert.Equal("error", await OutcomeOf(c => { c.Response.StatusCode = 500; return Task.CompletedTask; }));
    }
}
