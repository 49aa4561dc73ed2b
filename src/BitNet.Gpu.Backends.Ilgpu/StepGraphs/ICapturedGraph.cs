namespace BitNet.Gpu.Backends.Ilgpu.StepGraphs;

/// <summary>A recorded step's launches as one unit the device runs on the backend's stream.</summary>
interface ICapturedGraph : IDisposable
{
    /// <summary>Queues the whole step on the stream.</summary>
    void Launch();
}

/// <summary>Turns a step's recorded launches into a <see cref="ICapturedGraph"/>, without running them.</summary>
interface IGraphCapturer
{
    ICapturedGraph Capture(IReadOnlyList<RecordedLaunch> launches);
}

/// <summary>
/// The stand-in where the device keeps no graphs (ILGPU's CPU accelerator, for tests): the "graph" issues the recorded
/// launches again one by one, so everything about step graphs but the driver's capture runs without a GPU.
/// </summary>
sealed class LaunchListCapturer : IGraphCapturer
{
    public ICapturedGraph Capture(IReadOnlyList<RecordedLaunch> launches) => new LaunchList([.. launches]);

    sealed class LaunchList(RecordedLaunch[] launches) : ICapturedGraph
    {
        public void Launch()
        {
            foreach (var launch in launches) launch.Launch();
        }

        public void Dispose() { }
    }
}
