#version 430
// GEMM: c = epilogue(op(a)·op(b)). op(a) is M×K, op(b) is K×N, c is M×N,
// all row-major; op(x) is xᵀ when TRANS_A / TRANS_B is 1, read in place (a
// is then K×M, b N×K). The epilogue (epilogue.glsl) may add a bias and
// apply an activation, or an activation's gradient, on the way out.
//
// A work group computes a BM×BN block of c with TX×TY = (BN/TN)×(BM/TM)
// invocations, each holding TM×TN outputs in registers (register
// blocking). KERNEL selects how the operands reach the registers:
//
// KERNEL 0, shared memory (GPUs): K is walked in steps of BK; the group
//   stages a BM×BK slice of op(a) and a BK×BN slice of op(b) in shared
//   memory (loads coalesced along each matrix's contiguous dimension,
//   zero-padded past the edges), then every invocation does TM·TN·BK
//   multiply-adds from shared memory. Invocation (tx, ty) owns rows
//   ty + i·TY and columns tx + j·TX of the block, so neighbouring
//   invocations read neighbouring shared words and store neighbouring
//   words of c. With SPLIT 1 (split-K), work group z takes only the K
//   range [z·KC, min(K, (z+1)·KC)) and writes its partial product, without
//   epilogue, to binding 0 at z·M·N; reduce.comp (MODE 3) sums them.
// KERNEL 1, registers (CPU emulations such as llvmpipe, where barriers
//   are expensive and shared memory is ordinary memory): invocation (x, y)
//   computes rows y·TM.. and columns x·TN.. of c, reading a and b through
//   the cache. Edge rows and columns are clamped for the loads and skipped
//   at the store.
// KERNEL 2, registers with vec4 loads: as KERNEL 1, but every load brings
//   4 floats (llvmpipe's cost is per load, not per float), K taken 4 at a
//   time. Needs K, and M when TRANS_A or N unless TRANS_B, to be multiples
//   of 4 (and the tensors to start on vec4 boundaries), so that every row
//   of a and b as stored is a whole number of vec4s.
//
// Bindings: 0 c (SPLIT: the partial products), 1 a, 2 b, 3 the epilogue's
// operand. Uniforms: M, N, K, KC (SPLIT); float alpha (epilogue).
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 0
#endif
#ifndef KERNEL
#define KERNEL 0
#endif
#ifndef SPLIT
#define SPLIT 0
#endif
#ifndef BM
#define BM 64
#endif
#ifndef BN
#define BN 64
#endif
#ifndef BK
#define BK 16
#endif
#ifndef TM
#define TM 4
#endif
#ifndef TN
#define TN 4
#endif
// TX = BN/TN and TY = BM/TM, given as literals (layout sizes must be).
#ifndef TX
#define TX 16
#endif
#ifndef TY
#define TY 16
#endif
#define NT (TX * TY)
#include "activation.glsl"
#include "epilogue.glsl"

layout(local_size_x = TX, local_size_y = TY) in;
layout(std430, binding = 0) writeonly buffer C { float c[]; };
#if KERNEL == 2
layout(std430, binding = 1) readonly buffer A { vec4 a4[]; };
layout(std430, binding = 2) readonly buffer B { vec4 b4[]; };
#else
layout(std430, binding = 1) readonly buffer A { float a[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
#endif
uniform uint M;
uniform uint N;
uniform uint K;
#if SPLIT
uniform uint KC;
#endif

#if KERNEL == 1
void main() {
    uint r0 = gl_GlobalInvocationID.y * TM, c0 = gl_GlobalInvocationID.x * TN;
    if (r0 >= M || c0 >= N) return;
    uint ri[TM], ci[TN];
    for (int i = 0; i < TM; i++) ri[i] = min(r0 + uint(i), M - 1u);
    for (int j = 0; j < TN; j++) ci[j] = min(c0 + uint(j), N - 1u);
    float acc[TM][TN];
    for (int i = 0; i < TM; i++)
        for (int j = 0; j < TN; j++) acc[i][j] = 0.0;
    for (uint k = 0u; k < K; k++) {
        float ar[TM], br[TN];
        for (int i = 0; i < TM; i++) {
#if TRANS_A
            ar[i] = a[k * M + ri[i]];
#else
            ar[i] = a[ri[i] * K + k];
#endif
        }
        for (int j = 0; j < TN; j++) {
#if TRANS_B
            br[j] = b[ci[j] * K + k];
#else
            br[j] = b[k * N + ci[j]];
#endif
        }
        for (int i = 0; i < TM; i++)
            for (int j = 0; j < TN; j++) acc[i][j] += ar[i] * br[j];
    }
    float ec[TN];
    for (int j = 0; j < TN; j++) ec[j] = epiColumn(ci[j]);
    for (int i = 0; i < TM; i++) {
        uint r = r0 + uint(i);
        if (r >= M) break;
        for (int j = 0; j < TN; j++) {
            uint col = c0 + uint(j);
            if (col < N) c[r * N + col] = epilogue(acc[i][j], r * N + col, ec[j]);
        }
    }
}
#elif KERNEL == 2
void main() {
    uint r0 = gl_GlobalInvocationID.y * TM, c0 = gl_GlobalInvocationID.x * TN;
    if (r0 >= M || c0 >= N) return;
    uint K4 = K / 4u;
    // Where this invocation's rows of op(a) and columns of op(b) start, in
    // vec4s: clamped at the edges.
#if TRANS_A
    uint M4 = M / 4u;
    uint ai[TM / 4]; // the vec4 holding rows 4·i4.. of a row of a
    for (int i4 = 0; i4 < TM / 4; i4++) ai[i4] = min(r0 / 4u + uint(i4), M4 - 1u);
#else
    uint ai[TM]; // the first vec4 of row i of a
    for (int i = 0; i < TM; i++) ai[i] = min(r0 + uint(i), M - 1u) * K4;
#endif
#if TRANS_B
    uint bj[TN]; // the first vec4 of row j of b
    for (int j = 0; j < TN; j++) bj[j] = min(c0 + uint(j), N - 1u) * K4;
#else
    uint N4 = N / 4u;
    uint bj[TN / 4]; // the vec4 holding columns 4·j4.. of a row of b
    for (int j4 = 0; j4 < TN / 4; j4++) bj[j4] = min(c0 / 4u + uint(j4), N4 - 1u);
#endif
    vec4 acc[TM][TN / 4]; // acc[i][j4] holds columns 4·j4.. of row i
    for (int i = 0; i < TM; i++)
        for (int j4 = 0; j4 < TN / 4; j4++) acc[i][j4] = vec4(0.0);
    for (uint k4 = 0u; k4 < K4; k4++) {
        // af[kk][i] = op(a)[r0 + i][4·k4 + kk]; bf[kk][j4] holds
        // op(b)[4·k4 + kk][c0 + 4·j4 ..].
        float af[4][TM];
        vec4 bf[4][TN / 4];
#if TRANS_A
        for (int kk = 0; kk < 4; kk++) {
            uint row = (k4 * 4u + uint(kk)) * M4;
            for (int i4 = 0; i4 < TM / 4; i4++) {
                vec4 v = a4[row + ai[i4]];
                af[kk][4 * i4] = v.x;
                af[kk][4 * i4 + 1] = v.y;
                af[kk][4 * i4 + 2] = v.z;
                af[kk][4 * i4 + 3] = v.w;
            }
        }
#else
        for (int i = 0; i < TM; i++) {
            vec4 v = a4[ai[i] + k4];
            af[0][i] = v.x;
            af[1][i] = v.y;
            af[2][i] = v.z;
            af[3][i] = v.w;
        }
#endif
#if TRANS_B
        for (int j4 = 0; j4 < TN / 4; j4++) {
            vec4 v0 = b4[bj[4 * j4] + k4], v1 = b4[bj[4 * j4 + 1] + k4];
            vec4 v2 = b4[bj[4 * j4 + 2] + k4], v3 = b4[bj[4 * j4 + 3] + k4];
            bf[0][j4] = vec4(v0.x, v1.x, v2.x, v3.x);
            bf[1][j4] = vec4(v0.y, v1.y, v2.y, v3.y);
            bf[2][j4] = vec4(v0.z, v1.z, v2.z, v3.z);
            bf[3][j4] = vec4(v0.w, v1.w, v2.w, v3.w);
        }
#else
        for (int kk = 0; kk < 4; kk++) {
            uint row = (k4 * 4u + uint(kk)) * N4;
            for (int j4 = 0; j4 < TN / 4; j4++) bf[kk][j4] = b4[row + bj[j4]];
        }
#endif
        for (int kk = 0; kk < 4; kk++)
            for (int i = 0; i < TM; i++)
                for (int j4 = 0; j4 < TN / 4; j4++) acc[i][j4] += af[kk][i] * bf[kk][j4];
    }
    float ec[TN];
    for (int j = 0; j < TN; j++) ec[j] = epiColumn(min(c0 + uint(j), N - 1u));
    for (int i = 0; i < TM; i++) {
        uint r = r0 + uint(i);
        if (r >= M) break;
        for (int j4 = 0; j4 < TN / 4; j4++) {
            for (int q = 0; q < 4; q++) {
                uint col = c0 + uint(4 * j4 + q);
                if (col < N) c[r * N + col] = epilogue(acc[i][j4][q], r * N + col, ec[4 * j4 + q]);
            }
        }
    }
}
#else
// +1 padding keeps the column-wise stores of non-transposed a (and of
// transposed b) free of shared-memory bank conflicts.
shared float As[BK][BM + 1];
shared float Bs[BK][BN + 1];

void main() {
    uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
    uint tid = ty * TX + tx;
    uint row0 = gl_WorkGroupID.y * BM, col0 = gl_WorkGroupID.x * BN;
#if SPLIT
    uint kBegin = gl_WorkGroupID.z * KC, kEnd = min(K, kBegin + KC);
#else
    uint kBegin = 0u, kEnd = K;
#endif

    float acc[TM][TN];
    for (int i = 0; i < TM; i++)
        for (int j = 0; j < TN; j++) acc[i][j] = 0.0;

    for (uint k0 = kBegin; k0 < kEnd; k0 += BK) {
        // (BM·BK and BN·BK are multiples of NT: constant trip counts.)
        for (uint l = 0u; l < (BM * BK) / NT; l++) {
            uint e = tid + l * NT;
#if TRANS_A
            uint mm = e % BM, kk = e / BM; // a is K×M: contiguous along m
#else
            uint kk = e % BK, mm = e / BK; // a is M×K: contiguous along k
#endif
            uint gm = row0 + mm, gk = k0 + kk;
            float v = 0.0;
            if (gm < M && gk < kEnd) {
#if TRANS_A
                v = a[gk * M + gm];
#else
                v = a[gm * K + gk];
#endif
            }
            As[kk][mm] = v;
        }
        for (uint l = 0u; l < (BN * BK) / NT; l++) {
            uint e = tid + l * NT;
#if TRANS_B
            uint kk = e % BK, nn = e / BK; // b is N×K: contiguous along k
#else
            uint nn = e % BN, kk = e / BN; // b is K×N: contiguous along n
#endif
            uint gn = col0 + nn, gk = k0 + kk;
            float v = 0.0;
            if (gn < N && gk < kEnd) {
#if TRANS_B
                v = b[gn * K + gk];
#else
                v = b[gk * N + gn];
#endif
            }
            Bs[kk][nn] = v;
        }
        memoryBarrierShared(); barrier();

        for (int kk = 0; kk < BK; kk++) {
            float ar[TM], br[TN];
            for (int i = 0; i < TM; i++) ar[i] = As[kk][ty + uint(i) * TY];
            for (int j = 0; j < TN; j++) br[j] = Bs[kk][tx + uint(j) * TX];
            for (int i = 0; i < TM; i++)
                for (int j = 0; j < TN; j++) acc[i][j] += ar[i] * br[j];
        }
        memoryBarrierShared(); barrier();
    }

#if SPLIT
    uint base = gl_WorkGroupID.z * M * N;
#else
    float ec[TN];
    for (int j = 0; j < TN; j++) ec[j] = epiColumn(min(col0 + tx + uint(j) * TX, N - 1u));
#endif
    for (int i = 0; i < TM; i++) {
        uint r = row0 + ty + uint(i) * TY;
        if (r >= M) continue;
        for (int j = 0; j < TN; j++) {
            uint col = col0 + tx + uint(j) * TX;
            if (col < N) {
#if SPLIT
                c[base + r * N + col] = acc[i][j];
#else
                c[r * N + col] = epilogue(acc[i][j], r * N + col, ec[j]);
#endif
            }
        }
    }
}
#endif
