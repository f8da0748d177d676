#version 430
// GEMM: c = op(a)·op(b). op(a) is M×K, op(b) is K×N, c is M×N, all row-major; op(x) is
// xᵀ when TRANS_A / TRANS_B is 1, read in place (a is then K×M, b N×K).
//
// A work group computes a BM×BN block of c with (BN/TN)×(BM/TM)
// invocations, each holding TM×TN outputs in registers (register
// blocking). K is walked in steps of BK: the group stages a BM×BK slice of
// op(a) and a BK×BN slice of op(b) in shared memory (loads coalesced along
// each matrix's contiguous dimension, zero-padded past the edges), then
// every invocation does TM·TN·BK multiply-adds from shared memory.
// Invocation (tx, ty) owns rows ty + i·(BM/TM) and columns tx + j·(BN/TN)
// of the block, so neighbouring invocations read neighbouring shared words
// and store neighbouring words of c.
//
// Bindings: 0 c, 1 a, 2 b. Uniforms: M, N, K.
#ifndef TRANS_A
#define TRANS_A 0
#endif
#ifndef TRANS_B
#define TRANS_B 0
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

layout(local_size_x = TX, local_size_y = TY) in;
layout(std430, binding = 0) writeonly buffer C { float c[]; };
layout(std430, binding = 1) readonly buffer A { float a[]; };
layout(std430, binding = 2) readonly buffer B { float b[]; };
uniform uint M;
uniform uint N;
uniform uint K;

#ifndef SHARED
#define SHARED 1
#endif

#if SHARED == 0
// Register blocking without shared memory (no barriers; for CPU-emulated
// GL such as llvmpipe, where barriers are expensive and shared memory is
// ordinary memory): invocation (x, y) computes rows y·TM.. and columns
// x·TN.. of c, reading a and b through the cache. Edge rows and columns
// are clamped for the loads and skipped at the store.
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
    for (int i = 0; i < TM; i++) {
        uint r = r0 + uint(i);
        if (r >= M) break;
        for (int j = 0; j < TN; j++) {
            uint col = c0 + uint(j);
            if (col < N) {
                c[r * N + col] = acc[i][j];
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

    float acc[TM][TN];
    for (int i = 0; i < TM; i++)
        for (int j = 0; j < TN; j++) acc[i][j] = 0.0;

    for (uint k0 = 0u; k0 < K; k0 += BK) {
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
            if (gm < M && gk < K) {
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
            if (gn < N && gk < K) {
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

    for (int i = 0; i < TM; i++) {
        uint r = row0 + ty + uint(i) * TY;
        if (r >= M) continue;
        for (int j = 0; j < TN; j++) {
            uint col = col0 + tx + uint(j) * TX;
            if (col < N) {
                c[r * N + col] = acc[i][j];
            }
        }
    }
}
#endif
