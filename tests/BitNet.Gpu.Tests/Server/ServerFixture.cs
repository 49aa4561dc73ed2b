using BitNet.Gpu.Server;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Server;

/// <summary>
/// One server on a loopback port (port 0: a free one) with the bundled model on the CPU, 4 slots, shared by the
/// tests of the <see cref="ServerCollection"/> (they run one after another, so slot and metrics checks see only their own requests).
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public BitNetServer Server { get; private set; } = null!;
    public ServerClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await Start();
        Client = new ServerClient(Server.Address);
    }

    /// <summary>Starts a server on the bundled model and waits until it serves; <paramref name="configure"/> changes the options.</summary>
    public static async Task<BitNetServer> Start(Func<ServerOptions, ServerOptions>? configure = null)
    {
        var options = new ServerOptions
        {
            ModelPath = BundledModel.Path,
            Model = new BitNetModelOptions { Backend = "cpu", Parallel = 4 },
            Port = 0,
            ShutdownTimeout = TimeSpan.FromSeconds(10),
        };
        var server = await BitNetServer.StartAsync(configure?.Invoke(options) ?? options);
        await server.ModelLoaded;
        return server;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>The server tests that share one <see cref="ServerFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
