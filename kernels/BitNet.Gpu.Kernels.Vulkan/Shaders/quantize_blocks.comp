// scale[b] = max_j |v[32b + j]| / 127,  code[32b + j] = clamp(roundEven(v[32b + j] · (127 / max_j |v[32b + j]|)), -127, 127)  (0 for a block of 0)
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint BLOCK = 32;        // values per block and scale
const uint BLOCK_WORDS = 8;   // uints of codes per block
#include "exact_division.glsl"

layout(std430, binding = 0) readonly buffer Values { uint values[]; };    // blocks × 32: f16 pairs, or f32 bits
layout(std430, binding = 1) writeonly buffer Codes { uint codes[]; };     // blocks × 8, four int8 per uint
layout(std430, binding = 2) writeonly buffer Scales { float scales[]; };  // blocks

layout(push_constant) uniform Shape {
    uint blockCount;
    uint valuesAreHalf;   // 1: two f16 per uint (an f16 matrix), 0: floats (activations)
};

float value(uint i) {
    return valuesAreHalf != 0 ? unpackHalf2x16(values[i / 2])[i % 2] : uintBitsToFloat(values[i]);
}

void main() {
    uint b = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * GROUP + gl_LocalInvocationID.x;
    if (b >= blockCount) return;
    uint first = b * BLOCK;

    float largest = 0.0;
    for (uint j = 0; j < BLOCK; j++) largest = max(largest, abs(value(first + j)));
    float toCodes = largest > 0.0 ? exactQuotient(127.0, largest) : 0.0;

    for (uint w = 0; w < BLOCK_WORDS; w++) {
        uint packed = 0;
        for (uint k = 0; k < 4; k++) {
            precise float scaled = value(first + 4 * w + k) * toCodes;
            int code = int(clamp(roundEven(scaled), -127.0, 127.0));
            packed |= (uint(code) & 0xFFu) << (8 * k);
        }
        codes[b * BLOCK_WORDS + w] = packed;
    }
    scales[b] = largest > 0.0 ? exactQuotient(largest, 127.0) : 0.0;
}
