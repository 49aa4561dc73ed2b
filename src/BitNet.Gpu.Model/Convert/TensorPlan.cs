using BitNet.Gpu.Model.Formats;
using BitNet.Gpu.Model.Gguf;

namespace BitNet.Gpu.Model.Convert;

/// <summary>
/// The tensors of a GGUF file to be written, each with a function producing its bytes. Writing hands them to
/// <see cref="GgufWriter"/> in order while up to <c>lookahead</c> later tensors are produced on other threads,
/// so the file is made one tensor at a time (a few tensors in memory) yet uses every core.
/// </summary>
public sealed class TensorPlan
{
    readonly List<(string Name, GgmlType Type, long[] Dimensions, Func<byte[]> Produce)> _tensors = new();

    public int Count => _tensors.Count;

    /// <param name="dimensions">innermost first, as GGUF stores them (a [rows × cols] matrix is [cols, rows])</param>
    public void Add(string name, GgmlType type, long[] dimensions, Func<byte[]> produce) => _tensors.Add((name, type, dimensions, produce));

    public long TotalBytes => _tensors.Sum(t => TensorSizes.ByteSize(t.Type, t.Dimensions.Aggregate(1L, (a, d) => a * d)));

    /// <summary>Adds the tensors to <paramref name="writer"/> and writes <paramref name="path"/>.</summary>
    public void Write(GgufWriter writer, string path, int lookahead, Action<ConversionProgress>? progress)
    {
        var tasks = new Task<byte[]>?[_tensors.Count];
        Task<byte[]> Start(int i) => tasks[i] ??= Task.Run(_tensors[i].Produce);
        byte[] Take(int i)
        {
            var task = Start(i);
            for (int next = i + 1; next <= Math.Min(i + lookahead, _tensors.Count - 1); next++) Start(next);
            tasks[i] = null; // let the bytes go once written
            return task.GetAwaiter().GetResult();
        }

        for (int i = 0; i < _tensors.Count; i++)
        {
            int index = i;
            var t = _tensors[i];
            writer.AddTensor(t.Name, t.Type, t.Dimensions, () => Take(index));
        }

        long total = TotalBytes, done = 0;
        var sizes = _tensors.Select(t => TensorSizes.ByteSize(t.Type, t.Dimensions.Aggregate(1L, (a, d) => a * d))).ToArray();
        try
        {
            writer.Write(path, (written, count, name) =>
            {
                done += sizes[written - 1];
                progress?.Invoke(new ConversionProgress(written, count, name, done, total));
            });
        }
        finally
        {
            // A failed write leaves prepared tensors running; wait so no thread outlives the call.
            foreach (var task in tasks)
                if (task is not null) try { task.Wait(); } catch (AggregateException) { }
        }
    }
}
