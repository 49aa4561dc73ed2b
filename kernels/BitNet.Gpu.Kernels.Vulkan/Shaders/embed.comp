// output[t, c] = table[tokens[t], c]   for the tokens whose row lies in this chunk of the table
#version 450
layout(local_size_x = 64) in;

layout(std430, binding = 0) readonly buffer Tokens { uint tokens[]; };        // tokenCount ids
layout(std430, binding = 1) readonly buffer Table { uint table[]; };          // chunkRows × cols: f32 bits, or f16 pairs
layout(std430, binding = 2) writeonly buffer Output { float outputs[]; };     // tokenCount × cols

layout(push_constant) uniform Shape {
    uint cols;
    uint tokenCount;
    uint firstRow;      // the table row this chunk starts at
    uint chunkRows;
    uint tableIsHalf;   // 1: two f16 per uint
};

float tableAt(uint index) {
    if (tableIsHalf != 0) return unpackHalf2x16(table[index >> 1])[index & 1];
    return uintBitsToFloat(table[index]);
}

void main() {
    uint c = gl_GlobalInvocationID.x;
    uint t = gl_GlobalInvocationID.y;
    if (c >= cols || t >= tokenCount) return;
    uint row = tokens[t];
    if (row < firstRow || row >= firstRow + chunkRows) return;
    outputs[t * cols + c] = tableAt((row - firstRow) * cols + c);
}
