#version 430
// Deterministic reductions (fixed summation order, no atomics).
//
// MODE 0, SumRows: dst[c] = Σ_r src[r][c] for a rows×cols src. A work
//   group takes 32 columns; 8 lanes per column sum strided rows, then
//   reduce in shared memory.
//   Bindings 0 dst, 1 src. Uniforms: rows, cols.
// MODE 1, scalar: acc[0] += Σ_i src[i] for i < n, in one work group of 256.
//   Bindings 0 acc, 1 src. Uniforms: n.
// MODE 2, SumRows without shared memory (for CPU-emulated GL, where
//   barriers are expensive): one invocation per column sums its rows in
//   order. Bindings and uniforms as MODE 0.
// MODE 3, split-K sum (see gemm.comp, SPLIT): c[i] = epilogue(Σ_z p[z·n + i])
//   for i < n = M·N and z < S, summed in order of z; the epilogue
//   (epilogue.glsl) sees column i mod N. Bindings 0 c, 1 p, 3 the
//   epilogue's operand. Uniforms: n, N, S; float alpha.
#ifndef MODE
#define MODE 0
#endif
#if MODE == 0
layout(local_size_x = 32, local_size_y = 8) in;
#elif MODE == 1 || MODE == 3
layout(local_size_x = 256) in;
#else
layout(local_size_x = 64) in;
#endif
#if MODE == 3
#include "activation.glsl"
#include "epilogue.glsl"
layout(std430, binding = 0) writeonly buffer Dst { float dst[]; };
#else
layout(std430, binding = 0) buffer Dst { float dst[]; };
#endif
layout(std430, binding = 1) readonly buffer Src { float src[]; };

#if MODE == 0
uniform uint rows;
uniform uint cols;
shared float red[8 * 32];

void main() {
    uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y;
    for (uint cb = gl_WorkGroupID.x * 32u; cb < cols; cb += gl_NumWorkGroups.x * 32u) {
        uint c = cb + lx;
        float s = 0.0;
        if (c < cols) {
            for (uint r = ly; r < rows; r += 8u) s += src[r * cols + c];
        }
        red[ly * 32u + lx] = s;
        memoryBarrierShared(); barrier();
        for (uint h = 4u; h > 0u; h >>= 1) {
            if (ly < h) red[ly * 32u + lx] += red[(ly + h) * 32u + lx];
            memoryBarrierShared(); barrier();
        }
        if (ly == 0u && c < cols) {
            float t = red[lx];
            dst[c] = t;
        }
        memoryBarrierShared(); barrier();
    }
}
#elif MODE == 2
uniform uint rows;
uniform uint cols;

void main() {
    for (uint c = gl_GlobalInvocationID.x; c < cols; c += gl_NumWorkGroups.x * 64u) {
        float s = 0.0;
        for (uint r = 0u; r < rows; r++) s += src[r * cols + c];
        dst[c] = s;
    }
}
#elif MODE == 3
uniform uint n;
uniform uint N;
uniform uint S;

void main() {
    for (uint i = gl_GlobalInvocationID.x; i < n; i += gl_NumWorkGroups.x * 256u) {
        float s = 0.0;
        for (uint z = 0u; z < S; z++) s += src[z * n + i];
        dst[i] = epilogue(s, i, epiColumn(i % N));
    }
}
#else
uniform uint n;
shared float red[256];

void main() {
    uint l = gl_LocalInvocationID.x;
    float s = 0.0;
    for (uint i = l; i < n; i += 256u) s += src[i];
    red[l] = s;
    memoryBarrierShared(); barrier();
    for (uint h = 128u; h > 0u; h >>= 1) {
        if (l < h) red[l] += red[l + h];
        memoryBarrierShared(); barrier();
    }
    if (l == 0u) dst[0] = dst[0] + red[0];
}
#endif
