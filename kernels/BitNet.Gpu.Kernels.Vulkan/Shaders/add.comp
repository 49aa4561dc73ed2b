// x[i] += y[i]
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) buffer X { float x[]; };            // tokens × cols
layout(std430, binding = 1) readonly buffer Y { float y[]; };   // tokens × cols

layout(push_constant) uniform Shape {
    uint count;   // tokens · cols
};

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64 + gl_LocalInvocationID.x;
    if (i >= count) return;
    x[i] += y[i];
}
