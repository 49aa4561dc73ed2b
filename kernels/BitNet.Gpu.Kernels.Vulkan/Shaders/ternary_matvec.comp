// y[r] = Σ_blocks blockScale[r, b] · (Σ_{c in b} w[r, c] · q[c]) / actScale   (one token; 16 invocations per row, 4 rows per workgroup)
#version 450
#ifdef INTEGER_DOT
#extension GL_EXT_spirv_intrinsics : require
#endif
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint LANES_PER_ROW = 16;                  // a row of 2560 weights is 160 words: 10 per lane
const uint ROWS_PER_GROUP = GROUP / LANES_PER_ROW;

layout(std430, binding = 0) readonly buffer Weights { uint weights[]; };         // rows × rowWords, 16 two-bit codes (w + 1) per uint
layout(std430, binding = 1) readonly buffer BlockScales { float blockScales[]; }; // rows × blocksPerRow
layout(std430, binding = 2) readonly buffer Quantized { uint q[]; };              // 4·rowWords, 4 int8 per uint (zero padded)
layout(std430, binding = 3) readonly buffer ActScales { float actScales[]; };     // 1
layout(std430, binding = 4) writeonly buffer Y { float y[]; };                    // rows

layout(push_constant) uniform Shape {
    uint rows;
    uint rowWords;      // ceil(cols / 16)
    uint blockWords;    // weight words per scale block
    uint blocksPerRow;
};

#ifdef INTEGER_DOT
// OpSDotKHR (VK_KHR_shader_integer_dot_product): the dot product of two words of four int8 (PackedVectorFormat4x8Bit = 0).
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int dot4x8(int a, int b, spirv_literal int packedFormat);

// The 4 two-bit codes of one byte spread to 4 bytes: Σ (code − 1)·a = dot(codes, a) − dot(1, a).
int spreadCodes(uint codes) {
    return int((codes & 0x3u) | ((codes & 0xCu) << 6) | ((codes & 0x30u) << 12) | ((codes & 0xC0u) << 18));
}
#endif

shared float partial[GROUP];

// Σ_k w_k · q_k over the 16 weights of one word and the 4 activation words they meet.
int wordDot(uint codes, uint weightWord) {
    int dot = 0;
    for (uint j = 0; j < 4; j++) {
        int activations = int(q[weightWord * 4 + j]);
#ifdef INTEGER_DOT
        dot += dot4x8(spreadCodes((codes >> (8 * j)) & 0xFFu), activations, 0) - dot4x8(0x01010101, activations, 0);
#else
        for (uint k = 0; k < 4; k++) {
            int w = int((codes >> (2 * (4 * j + k))) & 3u) - 1;
            dot += w * bitfieldExtract(activations, int(8 * k), 8);
        }
#endif
    }
    return dot;
}

void main() {
    uint lane = gl_LocalInvocationID.x % LANES_PER_ROW;
    uint rowInGroup = gl_LocalInvocationID.x / LANES_PER_ROW;
    uint r = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * ROWS_PER_GROUP + rowInGroup;

    float sum = 0.0;
    if (r < rows)
        for (uint w = lane; w < rowWords; w += LANES_PER_ROW)
            sum += float(wordDot(weights[r * rowWords + w], w)) * blockScales[r * blocksPerRow + w / blockWords];
    partial[gl_LocalInvocationID.x] = sum;
    barrier();
    for (uint stride = LANES_PER_ROW / 2; stride > 0; stride /= 2) {
        if (lane < stride) partial[gl_LocalInvocationID.x] += partial[gl_LocalInvocationID.x + stride];
        barrier();
    }
    if (lane == 0 && r < rows) y[r] = partial[gl_LocalInvocationID.x] / actScales[0];
}
