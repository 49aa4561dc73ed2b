// y[t, r] = Σ_blocks blockScale[r, b] · (Σ_{c in b} w[r, c] · q[t, c]) / actScale[t]   (16 invocations per row, 4 rows and TILE tokens per workgroup)
#version 450
#ifdef INTEGER_DOT
#extension GL_EXT_spirv_intrinsics : require
#endif
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint TILE = 8;
const uint LANES_PER_ROW = 16;
const uint ROWS_PER_GROUP = GROUP / LANES_PER_ROW;

layout(std430, binding = 0) readonly buffer Weights { uint weights[]; };         // rows × rowWords, 16 two-bit codes (w + 1) per uint
layout(std430, binding = 1) readonly buffer BlockScales { float blockScales[]; }; // rows × blocksPerRow
layout(std430, binding = 2) readonly buffer Quantized { uint q[]; };              // tokens × qRowWords, 4 int8 per uint
layout(std430, binding = 3) readonly buffer ActScales { float actScales[]; };     // tokens
layout(std430, binding = 4) writeonly buffer Y { float y[]; };                    // tokens × rows

layout(push_constant) uniform Shape {
    uint rows;
    uint rowWords;      // ceil(cols / 16)
    uint blockWords;    // weight words per scale block
    uint blocksPerRow;
    uint qRowWords;     // 4·rowWords: quantized rows are padded with zeros to whole weight words
    uint tokenCount;
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

shared float partial[TILE][GROUP];

int wordDot(uint codes, uint quantizedStart) {
    int dot = 0;
    for (uint j = 0; j < 4; j++) {
        int activations = int(q[quantizedStart + j]);
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
    uint slot = gl_LocalInvocationID.x;   // this invocation's column in partial
    uint r = gl_WorkGroupID.x * ROWS_PER_GROUP + gl_LocalInvocationID.x / LANES_PER_ROW;
    uint firstToken = gl_WorkGroupID.y * TILE;
    uint tileTokens = min(TILE, tokenCount - firstToken);

    float sums[TILE];
    for (uint i = 0; i < TILE; i++) sums[i] = 0.0;
    if (r < rows)
        for (uint w = lane; w < rowWords; w += LANES_PER_ROW) {
            uint codes = weights[r * rowWords + w];   // unpacked once, used for every token of the tile
            float blockScale = blockScales[r * blocksPerRow + w / blockWords];
            for (uint i = 0; i < tileTokens; i++)
                sums[i] += float(wordDot(codes, (firstToken + i) * qRowWords + w * 4)) * blockScale;
        }
    for (uint i = 0; i < TILE; i++) partial[i][slot] = sums[i];
    barrier();
    for (uint stride = LANES_PER_ROW / 2; stride > 0; stride /= 2) {
        if (lane < stride)
            for (uint i = 0; i < TILE; i++) partial[i][slot] += partial[i][slot + stride];
        barrier();
    }
    if (lane < tileTokens && r < rows) {
        uint t = firstToken + lane;
        y[t * rows + r] = partial[lane][slot - lane] / actScales[t];
    }
}
