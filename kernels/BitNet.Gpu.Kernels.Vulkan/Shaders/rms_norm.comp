// y[t, i] = x[t, i] / sqrt(mean(x[t, :]²) + eps) * weight[i]   (one workgroup per token; y may be x)
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;

layout(std430, binding = 0) readonly buffer X { float x[]; };          // tokens × cols
layout(std430, binding = 1) readonly buffer Weight { float weight[]; }; // cols
layout(std430, binding = 2) writeonly buffer Y { float y[]; };         // tokens × cols

layout(push_constant) uniform Shape {
    uint cols;
    float epsilon;
};

shared float partial[GROUP];

void main() {
    uint t = gl_WorkGroupID.x;
    uint lane = gl_LocalInvocationID.x;
    uint rowStart = t * cols;

    float sumOfSquares = 0.0;
    for (uint i = lane; i < cols; i += GROUP) sumOfSquares += x[rowStart + i] * x[rowStart + i];
    partial[lane] = sumOfSquares;
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride) partial[lane] += partial[lane + stride];
        barrier();
    }
    float inverseRms = 1.0 / sqrt(partial[0] / float(cols) + epsilon);
    for (uint i = lane; i < cols; i += GROUP) y[rowStart + i] = x[rowStart + i] * inverseRms * weight[i];
}
