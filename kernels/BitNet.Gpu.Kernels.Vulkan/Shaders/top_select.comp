// kept[t] = every (c, logits[t, c]) with logits[t, c] ≥ the k-th largest of row t (ties kept), after its count
#version 450
// One workgroup per row. The k-th largest is found by radix selection on order-preserving keys: four passes, each a
// histogram of the next 8 key bits among the values that share the bits found so far. Then the kept values are
// compacted; a row whose kept count exceeds the capacity (many ties) is read in full by the host.
layout(local_size_x = 256) in;   // = bins, one histogram bin per invocation to clear

layout(std430, binding = 0) readonly buffer Logits { float logits[]; };   // rows × cols
layout(std430, binding = 1) writeonly buffer Kept { uint kept[]; };       // rows × 2·(1 + capacity): count, 0, then (column, value bits) pairs

layout(push_constant) uniform Shape {
    uint cols;
    uint k;          // 1 ≤ k ≤ cols
    uint capacity;   // pairs per row
};

const uint Bins = 256;

shared uint histogram[Bins];
shared uint foundBits, foundMask, stillWanted, keptCount;

// The float's bits as a uint ordered as the floats are (negatives flipped; NaN sorts above +∞).
uint orderKey(float value) {
    uint bits = floatBitsToUint(value);
    return (bits & 0x80000000u) != 0u ? ~bits : bits | 0x80000000u;
}

float logitAt(uint row, uint c) { return logits[row * cols + c]; }
uint listStart(uint row) { return row * 2u * (1u + capacity); }
uint pairsStart(uint row) { return listStart(row) + 2u; }

// Thread 0: the bin, from the top, in which the stillWanted-th largest key lies; narrows the search to it.
void chooseBin(uint shift) {
    uint above = 0u;
    for (int bin = int(Bins) - 1; bin >= 0; bin--) {
        uint count = histogram[bin];
        if (above + count >= stillWanted) {
            foundBits |= uint(bin) << shift;
            foundMask |= (Bins - 1u) << shift;
            stillWanted -= above;
            return;
        }
        above += count;
    }
}

void main() {
    uint row = gl_WorkGroupID.x;
    uint lane = gl_LocalInvocationID.x;
    if (lane == 0u) { foundBits = 0u; foundMask = 0u; stillWanted = k; keptCount = 0u; }

    for (int shift = 24; shift >= 0; shift -= 8) {
        histogram[lane] = 0u;
        barrier();
        for (uint c = lane; c < cols; c += gl_WorkGroupSize.x) {
            uint key = orderKey(logitAt(row, c));
            if ((key & foundMask) == foundBits) atomicAdd(histogram[(key >> uint(shift)) & (Bins - 1u)], 1u);
        }
        barrier();
        if (lane == 0u) chooseBin(uint(shift));
        barrier();
    }

    uint threshold = foundBits;   // the key of the k-th largest value
    for (uint c = lane; c < cols; c += gl_WorkGroupSize.x) {
        float value = logitAt(row, c);
        if (orderKey(value) < threshold) continue;
        uint slot = atomicAdd(keptCount, 1u);
        if (slot < capacity) {
            kept[pairsStart(row) + 2u * slot] = c;
            kept[pairsStart(row) + 2u * slot + 1u] = floatBitsToUint(value);
        }
    }
    barrier();
    if (lane == 0u) { kept[listStart(row)] = keptCount; kept[listStart(row) + 1u] = 0u; }
}
