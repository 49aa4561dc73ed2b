// Vulkan allows division an error of 2.5 ulp, but the scales must be correctly rounded quotients, as on the host
// (bitnet.cpp's 127/m; the int8 blocks' 127/m and m/127). For positive operands: of the floats around the shader's
// quotient, the right one leaves the smallest remainder n − c·m, computed exactly (Dekker's two-product: add, subtract and multiply are correctly rounded in Vulkan; `precise` keeps them apart).
vec2 splitHalves(float a) {
    precise float c = 4097.0 * a;
    precise float high = c - (c - a);
    precise float low = a - high;
    return vec2(high, low);
}

float exactRemainder(float numerator, float candidate, float m) {
    vec2 c = splitHalves(candidate), d = splitHalves(m);
    precise float product = candidate * m;
    precise float error = ((c.x * d.x - product) + c.x * d.y + c.y * d.x) + c.y * d.y;   // candidate·m = product + error
    precise float remainder = (numerator - product) - error;
    return abs(remainder);
}

float exactQuotient(float numerator, float m) {
    float approximate = numerator / m;
    float best = approximate;
    float bestRemainder = exactRemainder(numerator, approximate, m);
    for (int step = -3; step <= 3; step++) {
        float candidate = uintBitsToFloat(uint(int(floatBitsToUint(approximate)) + step));   // positive floats: neighbours by bits
        float remainder = exactRemainder(numerator, candidate, m);
        if (remainder < bestRemainder) { best = candidate; bestRemainder = remainder; }
    }
    return best;
}
