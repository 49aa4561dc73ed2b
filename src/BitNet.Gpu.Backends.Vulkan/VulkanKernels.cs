namespace BitNet.Gpu.Backends.Vulkan;

/// <summary>Every pipeline the backend uses, created once when the backend starts.</summary>
internal sealed class VulkanKernels : IDisposable
{
    // (shader, storage-buffer bindings, push-constant words, the bindings it writes): must match each shader's layout declarations.
    public Kernel Embed { get; }
    public Kernel RmsNorm { get; }
    public Kernel Quantize { get; }
    public Kernel TernaryMatVec { get; }
    public Kernel TernaryMatMul { get; }
    public Kernel DenseMatMul { get; }
    public Kernel DenseMatMulRows { get; }
    public Kernel QuantizeBlocks { get; }
    public Kernel Q8MatMul { get; }
    public Kernel InputSlack { get; }
    public Kernel Q8Screen { get; }
    public Kernel Rope { get; }
    public Kernel KvStore { get; }
    public Kernel Attention { get; }
    public Kernel AttentionCombine { get; }
    public Kernel Gate { get; }
    public Kernel Add { get; }
    public Kernel CopyRow { get; }
    public Kernel ReadBandwidth { get; }
    public Kernel TopSelect { get; }

    public VulkanKernels(VulkanContext context)
    {
        Embed = new Kernel(context, "embed", 3, 5, 2);
        string reduction = context.SubgroupArithmetic ? "_subgroup" : "";
        RmsNorm = new Kernel(context, "rms_norm" + reduction, 3, 2, 2);
        Quantize = new Kernel(context, "quantize" + reduction, 3, 2, 1, 2);
        string variant = context.IntegerDotProduct ? "_dot" : "";
        TernaryMatVec = new Kernel(context, "ternary_matvec" + variant, 5, 4, 4);
        TernaryMatMul = new Kernel(context, "ternary_matmul" + variant, 5, 6, 4);
        DenseMatMul = new Kernel(context, "dense_matmul", 3, 6, 2);
        DenseMatMulRows = new Kernel(context, "dense_matmul_rows", 4, 8, 2);
        QuantizeBlocks = new Kernel(context, "quantize_blocks", 3, 2, 1, 2);
        Q8MatMul = new Kernel(context, "q8_matmul" + variant, 5, 5, 4);
        InputSlack = new Kernel(context, "input_slack", 4, 2, 3);
        Q8Screen = new Kernel(context, "q8_screen" + variant, 6, 5, 5);
        Rope = new Kernel(context, "rope", 3, 5, 0);
        KvStore = new Kernel(context, "kv_store", 3, 4, 1);
        Attention = new Kernel(context, "attention", 6, 7, 3, 5);
        AttentionCombine = new Kernel(context, "attention_combine", 3, 3, 2);
        Gate = new Kernel(context, "gate", 2, 2, 0);
        Add = new Kernel(context, "add", 2, 1, 0);
        CopyRow = new Kernel(context, "copy_row", 2, 3, 1);
        ReadBandwidth = new Kernel(context, "read_bandwidth", 2, 2, 1);
        TopSelect = new Kernel(context, "top_select", 2, 3, 1);
    }

    public void Dispose()
    {
        foreach (var kernel in new[] { Embed, RmsNorm, Quantize, TernaryMatVec, TernaryMatMul, DenseMatMul, DenseMatMulRows, QuantizeBlocks, Q8MatMul, InputSlack, Q8Screen, Rope, KvStore, Attention, AttentionCombine, Gate, Add, CopyRow, ReadBandwidth, TopSelect })
            kernel.Dispose();
    }
}
