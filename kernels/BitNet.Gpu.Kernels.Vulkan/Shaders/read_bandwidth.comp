// partial[g] = Σ of the uvec4s workgroup g reads   (streams a large buffer once: the read roofline for generation)
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;

layout(std430, binding = 0) readonly buffer Source { uvec4 source[]; };   // count uvec4
layout(std430, binding = 1) writeonly buffer Partial { uint partial[]; }; // one per workgroup, so the reads are not optimized away

layout(push_constant) uniform Shape {
    uint count;        // uvec4s in source
    uint perGroup;     // consecutive uvec4s each workgroup reads
};

shared uint sums[GROUP];

void main() {
    uint lane = gl_LocalInvocationID.x;
    uint start = gl_WorkGroupID.x * perGroup;
    uint end = min(start + perGroup, count);
    uvec4 sum = uvec4(0);
    for (uint i = start + lane; i < end; i += GROUP) sum += source[i];
    sums[lane] = sum.x ^ sum.y ^ sum.z ^ sum.w;
    barrier();
    if (lane == 0) {
        uint total = 0;
        for (uint j = 0; j < GROUP; j++) total ^= sums[j];
        partial[gl_WorkGroupID.x] = total;
    }
}
