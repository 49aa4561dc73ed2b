// y[t, firstRow + r] = Σ_c (ws[r, c/2] · xs[t, c/2]) · Σ_j w8[r, 16c + j] · x8[t, 16c + j]   (chunks c of sixteen codes; one workgroup per row and tile of tokens)
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef INTEGER_DOT
#extension GL_EXT_spirv_intrinsics : require
#endif
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint TILE = 4;

layout(std430, binding = 0) readonly buffer WeightCodes { uint weightCodes[]; };    // chunkRows × 4·chunksPerRow
layout(std430, binding = 1) readonly buffer WeightScales { float weightScales[]; }; // chunkRows × chunksPerRow / 2
layout(std430, binding = 2) readonly buffer InputCodes { uint inputCodes[]; };      // tokens × 4·chunksPerRow
layout(std430, binding = 3) readonly buffer InputScales { float inputScales[]; };   // tokens × chunksPerRow / 2
layout(std430, binding = 4) writeonly buffer Y { float y[]; };                      // tokens × outCols
#include "q8_chunks.glsl"

layout(push_constant) uniform Shape {
    uint chunkRows;
    uint chunksPerRow;   // cols / 16
    uint firstRow;       // where this chunk's rows go in y
    uint outCols;        // y's row length (all rows of the matrix)
    uint tokenCount;
};

shared float partial[TILE][GROUP];

void main() {
    uint r = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (r >= chunkRows) return;
    uint firstToken = gl_WorkGroupID.z * TILE;
    uint tileTokens = min(TILE, tokenCount - firstToken);
    uint lane = gl_LocalInvocationID.x;

    float sums[TILE];
    for (uint i = 0; i < TILE; i++) sums[i] = 0.0;
    for (uint c = lane; c < chunksPerRow; c += GROUP)
        for (uint i = 0; i < tileTokens; i++)
            sums[i] += chunkProduct(r * chunksPerRow + c, (firstToken + i) * chunksPerRow + c);
    for (uint i = 0; i < TILE; i++) partial[i][lane] = sums[i];
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride)
            for (uint i = 0; i < TILE; i++) partial[i][lane] += partial[i][lane + stride];
        barrier();
    }
    if (lane < tileTokens) y[(firstToken + lane) * outCols + firstRow + r] = partial[lane][0];
}
