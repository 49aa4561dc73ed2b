// Sum and maximum over the GROUP invocations of a workgroup (GROUP, a power of two, is defined by the including shader;
// every invocation gets the result; call from uniform control flow). Compiled with SUBGROUPS: each subgroup reduces with subgroup arithmetic and one value per subgroup meets in
// shared memory; without: a shared-memory tree, for devices that lack subgroup arithmetic.
#ifdef SUBGROUPS
#extension GL_KHR_shader_subgroup_arithmetic : require
shared float reduceSlots[GROUP];   // one per subgroup (at most GROUP of them)

float workgroupSum(float value, uint lane) {
    float sum = subgroupAdd(value);
    if (subgroupElect()) reduceSlots[gl_SubgroupID] = sum;
    barrier();
    float total = 0.0;
    for (uint s = 0; s < gl_NumSubgroups; s++) total += reduceSlots[s];
    barrier();   // reduceSlots is reused by the next reduction
    return total;
}

float workgroupMax(float value, uint lane) {
    float largest = subgroupMax(value);
    if (subgroupElect()) reduceSlots[gl_SubgroupID] = largest;
    barrier();
    float total = reduceSlots[0];
    for (uint s = 1; s < gl_NumSubgroups; s++) total = max(total, reduceSlots[s]);
    barrier();
    return total;
}
#else
shared float reduceSlots[GROUP];   // one per invocation

float workgroupSum(float value, uint lane) {
    reduceSlots[lane] = value;
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride) reduceSlots[lane] += reduceSlots[lane + stride];
        barrier();
    }
    float total = reduceSlots[0];
    barrier();
    return total;
}

float workgroupMax(float value, uint lane) {
    reduceSlots[lane] = value;
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride) reduceSlots[lane] = max(reduceSlots[lane], reduceSlots[lane + stride]);
        barrier();
    }
    float total = reduceSlots[0];
    barrier();
    return total;
}
#endif
