// destination[destinationRow, c] = source[sourceRow, c]
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Source { float source[]; };           // rows × cols
layout(std430, binding = 1) writeonly buffer Destination { float destination[]; }; // rows × cols

layout(push_constant) uniform Shape {
    uint cols;
    uint sourceRow;
    uint destinationRow;
};

void main() {
    uint c = gl_GlobalInvocationID.x;
    if (c < cols) destination[destinationRow * cols + c] = source[sourceRow * cols + c];
}
