namespace BitNet.Gpu.Kernels.Ilgpu;

/// <summary>Eight F16 values, two per uint (low half first): what one lane reads in one 16-byte load.</summary>
public struct EightHalves
{
    public const int Count = 8;
    public uint Pair0, Pair1, Pair2, Pair3;
}

/// <summary>Four floats: one 16-byte load.</summary>
public struct FourFloats
{
    public const int Count = 4;
    public float X, Y, Z, W;
}

/// <summary>Sixteen int8 codes, four per int (lowest byte first): one 16-byte load.</summary>
public struct SixteenCodes
{
    public const int Count = 16;
    public int Quad0, Quad1, Quad2, Quad3;
}
