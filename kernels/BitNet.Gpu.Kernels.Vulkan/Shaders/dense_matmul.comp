// y[t, firstRow + r] = Σ_c w[r, c] · x[t, c]   (one chunk of rows of an f16 or f32 matrix; one workgroup per row and tile of tokens)
// Compiled with ROW_LIST (dense_matmul_rows): only the rows rowList[i] of one token, one workgroup per listed row, summed
// by the same code as the full product, so a listed row gets the same float (the top-k screen's exact rows).
#version 450
layout(local_size_x = 64) in;
const uint GROUP = 64;
const uint TILE = 4;

layout(std430, binding = 0) readonly buffer Weights { uint weights[]; };  // chunkRows × cols: f32 bits, or f16 pairs (cols even)
layout(std430, binding = 1) readonly buffer X { float x[]; };             // tokens × cols
layout(std430, binding = 2) writeonly buffer Y { float y[]; };            // tokens × outCols
#ifdef ROW_LIST
layout(std430, binding = 3) readonly buffer RowList { uint rowList[]; };  // listCount rows of the whole matrix
#endif

layout(push_constant) uniform Shape {
    uint chunkRows;
    uint cols;
    uint firstRow;      // where this chunk's rows go in y
    uint outCols;       // y's row length (all rows of the matrix)
    uint tokenCount;
    uint weightIsHalf;  // 1: two f16 per uint
#ifdef ROW_LIST
    uint listCount;
    uint listToken;     // the token whose listed rows are computed
#endif
};

shared float partial[TILE][GROUP];

void main() {
#ifdef ROW_LIST
    uint listed = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (listed >= listCount) return;
    uint row = rowList[listed];
    if (row < firstRow || row >= firstRow + chunkRows) return;   // in another chunk's dispatch
    uint r = row - firstRow;
    uint firstToken = listToken;
    uint tileTokens = 1;
#else
    uint r = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (r >= chunkRows) return;
    uint firstToken = gl_WorkGroupID.z * TILE;
    uint tileTokens = min(TILE, tokenCount - firstToken);
#endif
    uint lane = gl_LocalInvocationID.x;

    float sums[TILE];
    for (uint i = 0; i < TILE; i++) sums[i] = 0.0;
    if (weightIsHalf != 0) {
        uint pairsPerRow = cols / 2;
        for (uint p = lane; p < pairsPerRow; p += GROUP) {
            vec2 w = unpackHalf2x16(weights[r * pairsPerRow + p]);
            for (uint i = 0; i < tileTokens; i++) {
                uint xi = (firstToken + i) * cols + 2 * p;
                sums[i] += w.x * x[xi] + w.y * x[xi + 1];
            }
        }
    } else {
        for (uint c = lane; c < cols; c += GROUP) {
            float w = uintBitsToFloat(weights[r * cols + c]);
            for (uint i = 0; i < tileTokens; i++) sums[i] += w * x[(firstToken + i) * cols + c];
        }
    }
    for (uint i = 0; i < TILE; i++) partial[i][lane] = sums[i];
    barrier();
    for (uint stride = GROUP / 2; stride > 0; stride /= 2) {
        if (lane < stride)
            for (uint i = 0; i < TILE; i++) partial[i][lane] += partial[i][lane + stride];
        barrier();
    }
    if (lane < tileTokens) y[(firstToken + lane) * outCols + firstRow + r] = partial[lane][0];
}
