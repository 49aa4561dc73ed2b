// y[r] = Σ_blocks blockScale[r, b] · (Σ_{c in b} w[r, c] · q[c]) / actScale   (one token; one workgroup per row)
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;

layout(std430, binding = 0) readonly buffer Weights { uint weights[]; };         // rows × rowWords, 16 two-bit codes (w + 1) per uint
layout(std430, binding = 1) readonly buffer BlockScales { float blockScales[]; }; // rows × blocksPerRow
layout(std430, binding = 2) readonly buffer Quantized { uint q[]; };              // qRowWords, 4 int8 per uint
layout(std430, binding = 3) readonly buffer ActScales { float actScales[]; };     // 1
layout(std430, binding = 4) writeonly buffer Y { float y[]; };                    // rows

layout(push_constant) uniform Shape {
    uint rows;
    uint rowWords;      // ceil(cols / 16)
    uint blockWords;    // weight words per scale block
    uint blocksPerRow;
};

shared float partial[GROUP];

// Σ_k w_k · q_k over the 16 weights of one word and the 4 activation words they meet.
int wordDot(uint codes, uint weightWord) {
    int dot = 0;
    for (uint j = 0; j < 4; j++) {
        int activations = int(q[weightWord * 4 + j]);
        for (uint k = 0; k < 4; k++) {
            int w = int((codes >> (2 * (4 * j + k))) & 3u) - 1;
            dot += w * bitfieldExtract(activations, int(8 * k), 8);
        }
    }
    return dot;
}

void main() {
    uint r = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (r >= rows) return;
    uint lane = gl_LocalInvocationID.x;

    float sum = 0.0;
    for (uint w = lane; w < rowWords; w += GROUP)
        sum += float(wordDot(weights[r * rowWords + w], w)) * blockScales[r * blocksPerRow + w / blockWords];
    partial[lane] = sum;
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride) partial[lane] += partial[lane + stride];
        barrier();
    }
    if (lane == 0) y[r] = partial[0] / actScales[0];
}
