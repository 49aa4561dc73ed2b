using System.Text.Json;
using BitNet.Gpu.Server.Responses;

namespace BitNet.Gpu.Tests.Server.Responses;

/// <summary>The kept responses: found by id until deleted, the oldest dropped first past the count or the bytes, none with capacity 0.</summary>
public class ResponseStoreTests
{
    static ResponseStore.Entry Entry(string id, long size = 100) => new(new ResponseObject
    {
        Id = id,
        CreatedAt = 0,
        Status = "completed",
        Model = "m",
        Output = [],
        ToolChoice = JsonDocument.Parse("\"auto\"").RootElement,
        Tools = [],
        Text = new ResponseText(new ResponseFormatFields { Type = "text" }),
        Metadata = JsonDocument.Parse("{}").RootElement,
    }, [("user", "Hi")], new Dictionary<string, string>(), [], size);

    [Fact]
    public void AKeptResponse_IsFound_UntilRemoved()
    {
        var store = new ResponseStore(4);
        store.Add(Entry("a"));
        Assert.Equal("a", store.Get("a")?.Response.Id);
        Assert.Null(store.Get("b"));
        Assert.True(store.Remove("a"));
        Assert.False(store.Remove("a"));
        Assert.Null(store.Get("a"));
    }

    [Fact]
    public void PastTheCount_TheOldestGoFirst_AndARemovedOneLeavesNoGap()
    {
        var store = new ResponseStore(3);
        foreach (var id in new[] { "a", "b", "c" }) store.Add(Entry(id));
        store.Remove("b");
        store.Add(Entry("d"));
        Assert.NotNull(store.Get("a")); // three kept: a, c, d
        store.Add(Entry("e"));
        Assert.Null(store.Get("a"));
        Assert.Equal(new[] { "c", "d", "e" }, new[] { "a", "b", "c", "d", "e" }.Where(id => store.Get(id) is not null));
    }

    [Fact]
    public void PastTheBytes_TheOldestGoFirst_AndOneLargerThanAllIsNotKept()
    {
        var store = new ResponseStore(100, maxBytes: 1000);
        for (int i = 0; i < 10; i++) store.Add(Entry($"r{i}", 100));
        Assert.NotNull(store.Get("r0"));
        store.Add(Entry("big", 450));
        Assert.Equal(new[] { "r5", "r6", "r7", "r8", "r9", "big" },
                     Enumerable.Range(0, 10).Select(i => $"r{i}").Append("big").Where(id => store.Get(id) is not null));
        store.Add(Entry("huge", 1001));
        Assert.Null(store.Get("huge"));
        Assert.NotNull(store.Get("r5"));
    }

    [Fact]
    public void CapacityZero_KeepsNothing()
    {
        var store = new ResponseStore(0);
        store.Add(Entry("a"));
        Assert.Null(store.Get("a"));
    }

    [Fact]
    public async Task ManyThreads_AddGetAndRemove_WithinTheLimits()
    {
        var store = new ResponseStore(64);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                string id = $"{t}-{i}";
                store.Add(Entry(id));
                if (i % 3 == 0) store.Remove(id);
                else if (store.Get(id) is { } kept) Assert.Equal(id, kept.Response.Id); // another thread may have evicted it
            }
        })));
        int kept = Enumerable.Range(0, 8).SelectMany(t => Enumerable.Range(0, 2000).Select(i => $"{t}-{i}")).Count(id => store.Get(id) is not null);
        Assert.InRange(kept, 1, 64);
    }
}
