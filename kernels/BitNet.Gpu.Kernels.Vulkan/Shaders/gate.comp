// gate[i] = act(gate[i]) · up[i]   with act = relu(x)² or silu(x) = x / (1 + e^−x)
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) buffer Gate { float gate[]; };          // tokens × cols
layout(std430, binding = 1) readonly buffer Up { float up[]; };     // tokens × cols

layout(push_constant) uniform Shape {
    uint count;         // tokens · cols
    uint reluSquared;   // 1: relu², 0: silu
};

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64 + gl_LocalInvocationID.x;
    if (i >= count) return;
    float g = gate[i];
    float activated = reluSquared != 0 ? max(g, 0.0) * max(g, 0.0) : g / (1.0 + exp(-g));
    gate[i] = activated * up[i];
}
