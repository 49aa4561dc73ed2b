// e[t, firstRow + r] = Σ_c (ws[r, c/2] · xs[t, c/2]) · Σ_j w8 · x8,  b[t, firstRow + r] = Σ_c ws[r, c/2] · slack[t, c]   (one workgroup per row and token)
// The top-k screen's estimate of every logit and its bound |e − y| ≤ b (input_slack.comp says why it holds).
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef INTEGER_DOT
#extension GL_EXT_spirv_intrinsics : require
#endif
layout(local_size_x = 64) in;
const uint GROUP = 64;

layout(std430, binding = 0) readonly buffer WeightCodes { uint weightCodes[]; };    // chunkRows × 4·chunksPerRow
layout(std430, binding = 1) readonly buffer WeightScales { float weightScales[]; }; // chunkRows × chunksPerRow / 2
layout(std430, binding = 2) readonly buffer InputCodes { uint inputCodes[]; };      // tokens × 4·chunksPerRow
layout(std430, binding = 3) readonly buffer InputScales { float inputScales[]; };   // tokens × chunksPerRow / 2
layout(std430, binding = 4) readonly buffer Slack { float slack[]; };               // tokens × chunksPerRow
layout(std430, binding = 5) writeonly buffer Screen { float screen[]; };            // estimates (tokens × rows), then bounds (tokens × rows)
#include "q8_chunks.glsl"
#include "workgroup_reduce.glsl"

layout(push_constant) uniform Shape {
    uint chunkRows;
    uint chunksPerRow;   // cols / 16
    uint firstRow;       // where this chunk's rows go
    uint rows;           // all rows of the matrix
    uint tokenCount;
};

void main() {
    uint r = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (r >= chunkRows) return;
    uint t = gl_WorkGroupID.z;
    uint lane = gl_LocalInvocationID.x;

    float estimate = 0.0, bound = 0.0;
    for (uint c = lane; c < chunksPerRow; c += GROUP) {
        estimate += chunkProduct(r * chunksPerRow + c, t * chunksPerRow + c);
        bound += weightScales[(r * chunksPerRow + c) / 2] * slack[t * chunksPerRow + c];
    }
    estimate = workgroupSum(estimate, lane);
    bound = workgroupSum(bound, lane);
    if (lane == 0) {
        screen[t * rows + firstRow + r] = estimate;
        screen[(tokenCount + t) * rows + firstRow + r] = bound;
    }
}
