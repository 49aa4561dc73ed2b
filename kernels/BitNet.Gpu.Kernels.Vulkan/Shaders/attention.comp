// One split of the positions of one token, for the query heads of one kv head (a workgroup):
//   m = max_p s_p,  l = Σ_p e^(s_p − m),  acc = Σ_p e^(s_p − m) v[p],  s_p = q · k[p] / sqrt(headDim),
// p over this split's share of 0 .. position[t] in the token's sequence; attention_combine.comp merges the splits into
//   out[t, h, :] = Σ_split e^(m − M) acc / Σ_split e^(m − M) l.
// Keys, then values, of a tile of positions are staged in shared memory once for every query head of the group.
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;            // invocations
const uint TILE = 16;             // positions staged at a time
const uint MAX_HEAD_DIM = 256;
const uint MAX_QUERY_HEADS = 8;   // query heads per workgroup
const uint LEAST_SHARE = 64;      // positions a split takes at least: a short context needs few splits
const uint ACCUMULATORS = MAX_QUERY_HEADS * MAX_HEAD_DIM / GROUP;

layout(std430, binding = 0) readonly buffer Q { float q[]; };          // tokens × heads·headDim
layout(std430, binding = 1) readonly buffer Keys { uint keys[]; };     // sequences·contextLength × kvHeads·headDim: f32 bits, or f16 pairs
layout(std430, binding = 2) readonly buffer Values { uint values[]; }; // the same for values
layout(std430, binding = 3) writeonly buffer Partial { float partial[]; }; // tokens × heads × splits × headDim: acc
layout(std430, binding = 4) readonly buffer Step { uvec2 places[]; };  // per token (sequence, position): a buffer, so a recorded step replays at any positions
layout(std430, binding = 5) writeonly buffer Stats { vec2 stats[]; };  // tokens × heads × splits: (m, l)

layout(push_constant) uniform Shape {
    uint heads;
    uint kvHeads;
    uint headDim;
    uint cacheIsHalf;   // 1: the cache holds two f16 per uint
    uint contextLength; // positions per sequence
    uint splits;        // workgroups along the positions of a token
    uint queryHeads;    // query heads per workgroup (a divisor of heads / kvHeads, at most MAX_QUERY_HEADS)
};

float keyAt(uint index) {
    return cacheIsHalf != 0 ? unpackHalf2x16(keys[index >> 1])[index & 1u] : uintBitsToFloat(keys[index]);
}

float valueAt(uint index) {
    return cacheIsHalf != 0 ? unpackHalf2x16(values[index >> 1])[index & 1u] : uintBitsToFloat(values[index]);
}

shared float query[MAX_QUERY_HEADS * MAX_HEAD_DIM];
shared float rows[TILE * MAX_HEAD_DIM];        // the tile's key rows, then its value rows
shared float weights[MAX_QUERY_HEADS * TILE];  // scores, then e^(s − m)
shared float runningMax[MAX_QUERY_HEADS];
shared float runningSum[MAX_QUERY_HEADS];
shared float correction[MAX_QUERY_HEADS];

// Stages rows [first, first + count) of the keys (or values) of this kv head into rows[].
void stage(bool isKey, uint rowStart, uint kvWidth, uint first, uint count, uint lane) {
    for (uint e = lane; e < count * headDim; e += GROUP) {
        uint j = e / headDim, i = e % headDim;
        uint index = rowStart + (first + j) * kvWidth + i;
        rows[j * headDim + i] = isKey ? keyAt(index) : valueAt(index);
    }
}

void main() {
    uint groupsPerKvHead = heads / kvHeads / queryHeads;
    uint kvHead = gl_WorkGroupID.x / groupsPerKvHead;
    uint firstHead = kvHead * (heads / kvHeads) + (gl_WorkGroupID.x % groupsPerKvHead) * queryHeads;
    uint t = gl_WorkGroupID.y;
    uint split = gl_WorkGroupID.z;
    uint lane = gl_LocalInvocationID.x;
    uint kvWidth = kvHeads * headDim;
    uint rowStart = places[t].x * contextLength * kvWidth + kvHead * headDim;   // position 0 of this kv head in the token's sequence
    uint length = places[t].y + 1;
    uint share = max(LEAST_SHARE, (length + splits - 1) / splits);
    uint begin = min(length, split * share);
    uint end = min(length, begin + share);
    float scale = 1.0 / sqrt(float(headDim));
    if (begin == end) {   // no positions (the whole workgroup agrees): weighs nothing in the combination
        if (lane < queryHeads) stats[(t * heads + firstHead + lane) * splits + split] = vec2(-1.0 / 0.0, 0.0);
        return;
    }

    for (uint e = lane; e < queryHeads * headDim; e += GROUP) query[e] = q[(t * heads + firstHead) * headDim + e];
    if (lane < queryHeads) {
        runningMax[lane] = -1.0 / 0.0;
        runningSum[lane] = 0.0;
    }
    float accumulated[ACCUMULATORS];   // lane owns (g, i) = (e / headDim, e % headDim) for e = lane + k·GROUP
    for (uint k = 0; k < ACCUMULATORS; k++) accumulated[k] = 0.0;
    barrier();

    for (uint tileStart = begin; tileStart < end; tileStart += TILE) {
        uint tileLength = min(TILE, end - tileStart);
        stage(true, rowStart, kvWidth, tileStart, tileLength, lane);
        barrier();
        for (uint e = lane; e < queryHeads * TILE; e += GROUP) {
            uint g = e / TILE, j = e % TILE;
            float dot = 0.0;
            if (j < tileLength)
                for (uint i = 0; i < headDim; i++) dot += query[g * headDim + i] * rows[j * headDim + i];
            weights[e] = j < tileLength ? dot * scale : -1.0 / 0.0;
        }
        barrier();
        if (lane < queryHeads) {   // the online softmax of head g over this tile
            uint g = lane;
            float tileMax = -1.0 / 0.0;
            for (uint j = 0; j < tileLength; j++) tileMax = max(tileMax, weights[g * TILE + j]);
            float newMax = max(runningMax[g], tileMax);
            float sum = 0.0;
            for (uint j = 0; j < TILE; j++) {
                float w = j < tileLength ? exp(weights[g * TILE + j] - newMax) : 0.0;
                weights[g * TILE + j] = w;
                sum += w;
            }
            correction[g] = exp(runningMax[g] - newMax);
            runningSum[g] = runningSum[g] * correction[g] + sum;
            runningMax[g] = newMax;
        }
        stage(false, rowStart, kvWidth, tileStart, tileLength, lane);   // the key rows are no longer read
        barrier();
        for (uint k = 0; k < ACCUMULATORS; k++) {
            uint e = lane + k * GROUP;
            if (e >= queryHeads * headDim) break;
            uint g = e / headDim, i = e % headDim;
            float sum = 0.0;
            for (uint j = 0; j < tileLength; j++) sum += weights[g * TILE + j] * rows[j * headDim + i];
            accumulated[k] = accumulated[k] * correction[g] + sum;
        }
        barrier();   // rows and weights are rewritten by the next tile
    }

    for (uint k = 0; k < ACCUMULATORS; k++) {
        uint e = lane + k * GROUP;
        if (e >= queryHeads * headDim) break;
        uint g = e / headDim, i = e % headDim;
        partial[(((t * heads + firstHead + g) * splits) + split) * headDim + i] = accumulated[k];
    }
    if (lane < queryHeads) stats[(t * heads + firstHead + lane) * splits + split] = vec2(runningMax[lane], runningSum[lane]);
}
