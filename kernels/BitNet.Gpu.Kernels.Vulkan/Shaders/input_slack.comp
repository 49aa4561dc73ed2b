// slack[c] = 1.001 · (127.01·D + 0.5001·(A + D) + 2γ·127.01·(2A + D)) + 1e-30,  A = Σ_j |x[16c + j]|, D = Σ_j |x[16c + j] − xs·q[16c + j]|
// Per chunk of sixteen input values, what the top-k screen's bound multiplies by a weight block's scale: with
// x = xs·q + δ and w = ws·c + ε (|ε| ≤ 0.5001·ws, |w| ≤ 127.01·ws), |w·x − (ws·c)(xs·q)| ≤ ws·(127.01·D + 0.5001·(A + D))
// per chunk; the float rounding of the estimate, of the F16 product and of D adds at most 2γ·127.01·ws·(2A + D)
// (γ = nu/(1 − nu), n = cols + 3, u = 2⁻²⁴, from the host), and 1.001 covers the rounding of the bound's own sums.
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint CHUNK = 16;

layout(std430, binding = 0) readonly buffer X { float x[]; };             // chunks × 16
layout(std430, binding = 1) readonly buffer Codes { uint codes[]; };      // the input's int8 codes, four per uint
layout(std430, binding = 2) readonly buffer Scales { float scales[]; };   // one per block of 32
layout(std430, binding = 3) writeonly buffer Slack { float slack[]; };    // chunks

layout(push_constant) uniform Shape {
    uint chunkCount;
    float gamma;
};

void main() {
    uint c = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * GROUP + gl_LocalInvocationID.x;
    if (c >= chunkCount) return;
    float inputScale = scales[c / 2];
    float absolute = 0.0, rounding = 0.0;
    for (uint j = 0; j < CHUNK; j++) {
        uint i = c * CHUNK + j;
        float value = x[i];
        int code = bitfieldExtract(int(codes[i / 4]), 8 * int(i % 4), 8);
        absolute += abs(value);
        rounding += abs(value - inputScale * float(code));
    }
    slack[c] = 1.001 * (127.01 * rounding + 0.5001 * (absolute + rounding) + 2.0 * gamma * 127.01 * (2.0 * absolute + rounding)) + 1e-30;
}
