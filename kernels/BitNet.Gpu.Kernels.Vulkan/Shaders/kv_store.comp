// cache[row(t), c] = rows[t, c],  row(t) = sequence[t]·contextLength + position[t]
// (places read from the step buffer, so a recorded step replays at any positions)
// An f16 cache keeps the nearest half, ties to even, saturated to ±65504; two halves per uint, so width is even.
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Rows { float rows[]; };    // tokens × width
layout(std430, binding = 1) writeonly buffer Cache { uint cache[]; };  // sequences·contextLength × width: f32 bits, or f16 pairs
layout(std430, binding = 2) readonly buffer Step { uvec2 places[]; };  // per token: (sequence, position)

layout(push_constant) uniform Shape {
    uint count;        // tokens · width
    uint width;        // kvHeads · headDim
    uint cacheIsHalf;  // 1: two f16 per uint
    uint contextLength; // positions per sequence
};

// The cache element of value (t, c): row sequence[t]·contextLength + position[t], column c.
uint cacheIndex(uint t, uint c) {
    return (places[t].x * contextLength + places[t].y) * width + c;
}

// float → f16 bits with integer steps, so every driver rounds alike (packHalf2x16 leaves the rounding to the driver).
uint halfBits(float value) {
    uint bits = floatBitsToUint(value);
    uint sign = (bits >> 16) & 0x8000u;
    uint magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return sign | 0x7E00u;   // NaN
    if (magnitude >= 0x477FE000u) return sign | 0x7BFFu;  // 65504 and above: saturate
    if (magnitude < 0x38800000u)                           // a subnormal half: adding 0.5 leaves units of 2^-24, rounded
        return sign | (floatBitsToUint(uintBitsToFloat(magnitude) + 0.5) - 0x3F000000u);
    return sign | ((magnitude - (112u << 23) + 0xFFFu + ((magnitude >> 13) & 1u)) >> 13);   // rebias, round to even
}

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64 + gl_LocalInvocationID.x;
    if (cacheIsHalf != 0) {
        uint value = 2 * i;           // invocation i stores values 2i and 2i + 1, of one token as width is even
        if (value >= count) return;
        cache[cacheIndex(value / width, value % width) / 2] = halfBits(rows[value]) | (halfBits(rows[value + 1]) << 16);
    } else {
        if (i >= count) return;
        cache[cacheIndex(i / width, i % width)] = floatBitsToUint(rows[i]);
    }
}
