// q[t, c] = clamp(roundEven(x[t, c] * 127 / max|x[t, :]|), -128, 127), scale[t] = 127 / max|x[t, :]|  (bitnet.cpp, float32)
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 128) in;
const uint GROUP = 128;   // one row per workgroup, over as many invocations as every Vulkan device runs in one (at least 128)
#include "workgroup_reduce.glsl"
#include "exact_division.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };             // tokens × cols
layout(std430, binding = 1) writeonly buffer Quantized { uint q[]; };     // tokens × rowWords, 4 int8 per uint
layout(std430, binding = 2) writeonly buffer Scales { float scales[]; };  // tokens

layout(push_constant) uniform Shape {
    uint cols;
    uint rowWords;   // 4·ceil(cols / 16): rows padded with zeros to whole ternary weight words
};

int quantizeOne(float value, float scale) {
    precise float scaled = value * scale;
    return int(clamp(roundEven(scaled), -128.0, 127.0));
}

void main() {
    uint t = gl_WorkGroupID.x;
    uint lane = gl_LocalInvocationID.x;
    uint rowStart = t * cols;

    float largest = 0.0;
    for (uint i = lane; i < cols; i += GROUP) largest = max(largest, abs(x[rowStart + i]));
    float scale = exactQuotient(127.0, max(workgroupMax(largest, lane), 1e-5));
    if (lane == 0) scales[t] = scale;

    for (uint w = lane; w < rowWords; w += GROUP) {
        uint packed = 0;
        for (uint k = 0; k < 4; k++) {
            uint c = w * 4 + k;
            int value = c < cols ? quantizeOne(x[rowStart + c], scale) : 0;
            packed |= (uint(value) & 0xFFu) << (8 * k);
        }
        q[t * rowWords + w] = packed;
    }
}
