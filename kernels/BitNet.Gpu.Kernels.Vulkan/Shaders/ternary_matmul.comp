// y[t, r] = Σ_blocks blockScale[r, b] · (Σ_{c in b} w[r, c] · q[t, c]) / actScale[t]   (a tile of TILE tokens per workgroup)
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint TILE = 8;

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
    uint qRowWords;     // ceil(cols / 4)
    uint tokenCount;
};

shared float partial[TILE][GROUP];

int wordDot(uint codes, uint quantizedStart) {
    int dot = 0;
    for (uint j = 0; j < 4; j++) {
        int activations = int(q[quantizedStart + j]);
        for (uint k = 0; k < 4; k++) {
            int w = int((codes >> (2 * (4 * j + k))) & 3u) - 1;
            dot += w * bitfieldExtract(activations, int(8 * k), 8);
        }
    }
    return dot;
}

void main() {
    uint r = gl_WorkGroupID.x;
    uint firstToken = gl_WorkGroupID.y * TILE;
    uint lane = gl_LocalInvocationID.x;
    uint tileTokens = min(TILE, tokenCount - firstToken);

    float sums[TILE];
    for (uint i = 0; i < TILE; i++) sums[i] = 0.0;
    for (uint w = lane; w < rowWords; w += GROUP) {
        uint codes = weights[r * rowWords + w];   // unpacked once, used for every token of the tile
        float blockScale = blockScales[r * blocksPerRow + w / blockWords];
        for (uint i = 0; i < tileTokens; i++)
            sums[i] += float(wordDot(codes, (firstToken + i) * qRowWords + w * 4)) * blockScale;
    }
    for (uint i = 0; i < TILE; i++) partial[i][lane] = sums[i];
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride)
            for (uint i = 0; i < TILE; i++) partial[i][lane] += partial[i][lane + stride];
        barrier();
    }
    if (lane < tileTokens) {
        uint t = firstToken + lane;
        y[t * rows + r] = partial[lane][0] / actScales[t];
    }
}
