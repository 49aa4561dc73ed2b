using BitNet.Gpu.Engine.Hosting;
using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Tests.Support;

namespace BitNet.Gpu.Tests.Engine.Graph;

/// <summary>
/// The bytes a generated token reads, as the CPU backend stores the weights (the bench's roofline): the 2-bit ternary
/// layouts read what an I2_S file holds, a TQ1_0 file (1.69 bits) is repacked to 2 bits and so reads more than the file.
/// </summary>
public class WeightBytesTests
{
    static (long Graph, long File) BytesPerToken(GgmlType type)
    {
        using var model = LoadedModel.Load(SyntheticModels.Tiny("bitnet-b1.58", type), new LoadOptions { Backend = "cpu", ContextLength = 16 }, new BitNet.Gpu.Engine.Backends.BackendRegistry());
        return (model.Graph.WeightBytesPerToken, model.Description.WeightBytesPerToken);
    }

    [Fact]
    public void CountsTheWeightsAsStored()
    {
        var (i2sGraph, i2sFile) = BytesPerToken(GgmlType.I2_S);
        // Ternary rows at 2 bits, the F16 output, one embedding row: the file's bytes less I2_S's 32-byte scale trailers.
        Assert.Equal(i2sFile - 2L * 7 * I2S.TrailerBytes, i2sGraph);

        var (tq1Graph, tq1File) = BytesPerToken(GgmlType.TQ1_0);
        Assert.Equal(i2sGraph, tq1Graph); // same shapes, same 2-bit layout in memory
        Assert.True(tq1Graph > tq1File, $"TQ1_0 repacked to 2 bits reads {tq1Graph} bytes, the file holds {tq1File}");
    }
}
