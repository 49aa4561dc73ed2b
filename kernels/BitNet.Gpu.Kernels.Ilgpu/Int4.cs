namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Four ints read together: 16 bytes, which ILGPU's PTX backend loads with one ld.global.v4 (views of Int4
/// are 16-byte aligned). The ternary kernels read four weight words, or one word's 16 packed activations, as one.</summary>
public struct Int4
{
    public int X, Y, Z, W;

    public Int4(int x, int y, int z, int w) { X = x; Y = y; Z = z; W = w; }
}
