// (x[a], x[b]) ← (x[a] cos θ − x[b] sin θ, x[a] sin θ + x[b] cos θ), θ = position[t] · base^(−2i/ropeDims);
// cos, sin come from a table per position (computed in double once), indexed by the token's position from the step buffer
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) buffer X { float x[]; };                      // tokens × heads·headDim
layout(std430, binding = 1) readonly buffer Rotations { vec2 cosSin[]; }; // positions × ropeDims/2
layout(std430, binding = 2) readonly buffer Step { uvec2 places[]; };     // per token: (sequence, position)

layout(push_constant) uniform Shape {
    uint tokenCount;
    uint heads;
    uint headDim;
    uint ropeDims;
    uint neox;          // 1: pairs (i, i + ropeDims/2); 0: pairs (2i, 2i + 1)
};

void main() {
    uint half_ = ropeDims / 2;
    uint i = gl_GlobalInvocationID.x % half_;
    uint h = gl_GlobalInvocationID.x / half_;
    uint t = gl_GlobalInvocationID.y;
    if (h >= heads || t >= tokenCount) return;

    uint headStart = t * heads * headDim + h * headDim;
    uint a = headStart + (neox != 0 ? i : 2 * i);
    uint b = headStart + (neox != 0 ? i + half_ : 2 * i + 1);
    vec2 rotation = cosSin[places[t].y * half_ + i];
    float x0 = x[a], x1 = x[b];
    x[a] = x0 * rotation.x - x1 * rotation.y;
    x[b] = x0 * rotation.y + x1 * rotation.x;
}
