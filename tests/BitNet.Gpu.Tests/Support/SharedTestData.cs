namespace BitNet.Gpu.Tests.Support;

/// <summary>Paths of test data copied next to the test assembly (see tests/BitNet.Gpu.Tests/TestData).</summary>
public static class SharedTestData
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "TestData", .. parts]);
}
