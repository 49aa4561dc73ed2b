namespace BitNet.Gpu.Engine.Backends;

/// <summary>A backend that can measure the memory bandwidth its kernels read weights at (the roofline for generation).</summary>
public interface IBandwidthProbe
{
    /// <summary>Bytes per second, measured now.</summary>
    double MeasureReadBandwidth();
}
