// out[t, h, :] = Σ_{p ≤ position[t]} softmax_p(q[t, h, :] · k[sequence[t], p, h/group, :] / sqrt(headDim)) v[sequence[t], p, h/group, :]
// (online softmax over tiles of positions; each token reads only its own sequence's rows of the cache)
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;           // positions per tile, one per invocation
const uint MAX_HEAD_DIM = 256;
const uint DIMS_PER_LANE = MAX_HEAD_DIM / GROUP;

layout(std430, binding = 0) readonly buffer Q { float q[]; };          // tokens × heads·headDim
layout(std430, binding = 1) readonly buffer Keys { uint keys[]; };     // sequences·contextLength × kvHeads·headDim: f32 bits, or f16 pairs
layout(std430, binding = 2) readonly buffer Values { uint values[]; }; // the same for values
layout(std430, binding = 3) writeonly buffer Output { float outputs[]; }; // tokens × heads·headDim
layout(std430, binding = 4) readonly buffer Step { uvec2 places[]; };  // per token (sequence, position): a buffer, so a recorded step replays at any positions

layout(push_constant) uniform Shape {
    uint heads;
    uint kvHeads;
    uint headDim;
    uint cacheIsHalf;  // 1: the cache holds two f16 per uint
    uint contextLength; // positions per sequence
};

float keyAt(uint index) {
    return cacheIsHalf != 0 ? unpackHalf2x16(keys[index >> 1])[index & 1u] : uintBitsToFloat(keys[index]);
}

float valueAt(uint index) {
    return cacheIsHalf != 0 ? unpackHalf2x16(values[index >> 1])[index & 1u] : uintBitsToFloat(values[index]);
}

shared float query[MAX_HEAD_DIM];
shared float tileValues[GROUP];   // scores, then weights, of this tile's positions
shared float reduction[GROUP];

float reduceMax(float value, uint lane) {
    reduction[lane] = value;
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride) reduction[lane] = max(reduction[lane], reduction[lane + stride]);
        barrier();
    }
    float result = reduction[0];
    barrier();
    return result;
}

float reduceSum(float value, uint lane) {
    reduction[lane] = value;
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride) reduction[lane] += reduction[lane + stride];
        barrier();
    }
    float result = reduction[0];
    barrier();
    return result;
}

void main() {
    uint h = gl_WorkGroupID.x;
    uint t = gl_WorkGroupID.y;
    uint lane = gl_LocalInvocationID.x;
    uint kvWidth = kvHeads * headDim;
    uint kvStart = (h / (heads / kvHeads)) * headDim;
    uint qStart = (t * heads + h) * headDim;
    uint sequenceStart = places[t].x * contextLength * kvWidth;   // position 0 of the token's sequence
    uint length = places[t].y + 1;
    float scale = 1.0 / sqrt(float(headDim));

    for (uint i = lane; i < headDim; i += GROUP) query[i] = q[qStart + i];
    barrier();

    float runningMax = -1.0 / 0.0;
    float runningSum = 0.0;
    float accumulated[DIMS_PER_LANE];
    for (uint k = 0; k < DIMS_PER_LANE; k++) accumulated[k] = 0.0;

    for (uint tileStart = 0; tileStart < length; tileStart += GROUP) {
        uint p = tileStart + lane;
        float score = -1.0 / 0.0;
        if (p < length) {
            float dot = 0.0;
            for (uint i = 0; i < headDim; i++) dot += query[i] * keyAt(sequenceStart + p * kvWidth + kvStart + i);
            score = dot * scale;
        }
        float newMax = max(runningMax, reduceMax(score, lane));
        float weight = p < length ? exp(score - newMax) : 0.0;
        tileValues[lane] = weight;
        float correction = exp(runningMax - newMax);
        runningSum = runningSum * correction + reduceSum(weight, lane);   // reduceSum's barriers also publish tileValues
        runningMax = newMax;

        uint tileLength = min(GROUP, length - tileStart);
        for (uint k = 0; k < DIMS_PER_LANE; k++) {
            uint i = lane + k * GROUP;
            if (i >= headDim) break;
            float sum = 0.0;
            for (uint j = 0; j < tileLength; j++) sum += tileValues[j] * valueAt(sequenceStart + (tileStart + j) * kvWidth + kvStart + i);
            accumulated[k] = accumulated[k] * correction + sum;
        }
        barrier();   // tileValues is rewritten by the next tile
    }
    for (uint k = 0; k < DIMS_PER_LANE; k++) {
        uint i = lane + k * GROUP;
        if (i < headDim) outputs[qStart + i] = accumulated[k] / runningSum;
    }
}
