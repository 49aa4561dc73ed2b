// Products of int8 blocks (32 codes, four per uint, and one float scale per block) by chunks of sixteen codes: chunk c
// is words 4c .. 4c + 3 of its codes and lies in block c / 2. Include after declaring the buffers weightCodes,
// weightScales, inputCodes and inputScales. Compiled with INTEGER_DOT (after enabling GL_EXT_spirv_intrinsics), the
// four bytes of a word multiply in one OpSDotKHR (VK_KHR_shader_integer_dot_product).

#ifdef INTEGER_DOT
// OpSDotKHR: the dot product of two words of four int8 (PackedVectorFormat4x8Bit = 0).
spirv_instruction(extensions = ["SPV_KHR_integer_dot_product"], capabilities = [6019, 6018], id = 4450)
int dot4x8(int a, int b, spirv_literal int packedFormat);

// Σ_k a[k] · b[k] over the four signed bytes of each word
int dot4(uint a, uint b) { return dot4x8(int(a), int(b), 0); }
#else
// Σ_k a[k] · b[k] over the four signed bytes of each word
int dot4(uint a, uint b) {
    int sum = 0;
    for (int k = 0; k < 4; k++) sum += bitfieldExtract(int(a), 8 * k, 8) * bitfieldExtract(int(b), 8 * k, 8);
    return sum;
}
#endif

// (ws[c / 2] · xs[c / 2]) · Σ_j w8[16c + j] · x8[16c + j]  for weight chunk wc and input chunk xc
float chunkProduct(uint wc, uint xc) {
    int sum = 0;
    for (uint i = 0; i < 4; i++) sum += dot4(weightCodes[4 * wc + i], inputCodes[4 * xc + i]);
    return weightScales[wc / 2] * inputScales[xc / 2] * float(sum);
}
