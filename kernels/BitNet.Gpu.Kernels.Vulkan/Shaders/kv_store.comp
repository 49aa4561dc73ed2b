// cache[start + t, i] = rows[t, i]   (start read from the step buffer, so a recorded step replays at any position)
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Rows { float rows[]; };     // tokens × width
layout(std430, binding = 1) writeonly buffer Cache { float cache[]; };  // contextLength × width
layout(std430, binding = 2) readonly buffer Step { uint startPosition; };

layout(push_constant) uniform Shape {
    uint count;   // tokens · width
    uint width;   // kvHeads · headDim
};

void main() {
    uint i = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * 64 + gl_LocalInvocationID.x;
    if (i >= count) return;
    cache[startPosition * width + i] = rows[i];
}
