// destination[0, c] = source[row, c]
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Source { float source[]; };           // rows × cols
layout(std430, binding = 1) writeonly buffer Destination { float destination[]; }; // 1 × cols

layout(push_constant) uniform Shape {
    uint cols;
    uint row;
};

void main() {
    uint c = gl_GlobalInvocationID.x;
    if (c < cols) destination[c] = source[row * cols + c];
}
