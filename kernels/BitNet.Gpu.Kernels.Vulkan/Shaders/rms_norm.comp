// y[t, i] = x[t, i] / sqrt(mean(x[t, :]²) + eps) * weight[i]   (one workgroup per token; y may be x)
#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x = 128) in;
const uint GROUP = 128;   // one row per workgroup, over as many invocations as every Vulkan device runs in one (at least 128)
#include "workgroup_reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };          // tokens × cols
layout(std430, binding = 1) readonly buffer Weight { float weight[]; }; // cols
layout(std430, binding = 2) writeonly buffer Y { float y[]; };         // tokens × cols

layout(push_constant) uniform Shape {
    uint cols;
    float epsilon;
};

void main() {
    uint t = gl_WorkGroupID.x;
    uint lane = gl_LocalInvocationID.x;
    uint rowStart = t * cols;

    float sumOfSquares = 0.0;
    for (uint i = lane; i < cols; i += GROUP) sumOfSquares += x[rowStart + i] * x[rowStart + i];
    float inverseRms = 1.0 / sqrt(workgroupSum(sumOfSquares, lane) / float(cols) + epsilon);
    for (uint i = lane; i < cols; i += GROUP) y[rowStart + i] = x[rowStart + i] * inverseRms * weight[i];
}
