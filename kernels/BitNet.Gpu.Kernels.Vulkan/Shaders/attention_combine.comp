// out[t, h, :] = Σ_s e^(m_s − M) acc_s / Σ_s e^(m_s − M) l_s,  M = max_s m_s, over the splits s of attention.comp
// (a split with no positions has m = −∞, l = 0, acc = 0 and weighs nothing; split 0 always has position 0)
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;

layout(std430, binding = 0) readonly buffer Partial { float partial[]; }; // tokens × heads × splits × headDim
layout(std430, binding = 1) readonly buffer Stats { vec2 stats[]; };      // tokens × heads × splits: (m, l)
layout(std430, binding = 2) writeonly buffer Output { float outputs[]; }; // tokens × heads·headDim

layout(push_constant) uniform Shape {
    uint heads;
    uint headDim;
    uint splits;
};

void main() {
    uint h = gl_WorkGroupID.x;
    uint t = gl_WorkGroupID.y;
    uint lane = gl_LocalInvocationID.x;
    uint first = (t * heads + h) * splits;

    float overallMax = -1.0 / 0.0;
    for (uint s = 0; s < splits; s++) overallMax = max(overallMax, stats[first + s].x);
    float sum = 0.0;
    for (uint s = 0; s < splits; s++) sum += stats[first + s].y * exp(stats[first + s].x - overallMax);
    for (uint i = lane; i < headDim; i += GROUP) {
        float value = 0.0;
        for (uint s = 0; s < splits; s++) {
            float m = stats[first + s].x;
            if (m > -1.0 / 0.0) value += partial[(first + s) * headDim + i] * exp(m - overallMax);
        }
        outputs[(t * heads + h) * headDim + i] = value / sum;
    }
}
