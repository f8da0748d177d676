// Row reductions shared by the row-wise shaders (#include "rows.glsl"):
// softmax.comp, loss.comp and argmax.comp.
//
// Conventions. A row-wise shader works on rows×cols matrices, G lanes per
// row: its work group is local_size_x = G lanes by local_size_y = RPW rows,
// with G·RPW = 64 (G = 1, RPW = 64: one invocation walks a whole narrow
// row; G = 64, RPW = 1: a work group shares a wide row). Lane
// gl_LocalInvocationID.x of row slot gl_LocalInvocationID.y takes columns
// lane, lane + G, …; the functions below combine the lanes' partial values
// of each row slot and return the row's result to every lane of it. With
// G = 1 they return their argument and use no shared memory.
//
// With G > 1 they exchange values through the shared arrays rowsV and
// rowsI (64 entries, one per invocation) and call barrier(), so every
// invocation of the work group must call them the same number of times, in
// uniform control flow — lanes of rows past the end included, with neutral
// values. Each ends with a barrier, so calls may follow one another.
// groupSum, for shaders that reduce everything in one work group, sums
// over all 64 invocations the same way.
//
// The including file defines G (and RPW) before the #include.

shared float rowsV[64];
shared uint rowsI[64];

// rowSum returns the sum of v over the lanes of this invocation's row, in a
// fixed order (a tree over lanes), so results are deterministic.
float rowSum(float v) {
#if G > 1
    uint lane = gl_LocalInvocationID.x, b = gl_LocalInvocationID.y * G;
    rowsV[b + lane] = v;
    memoryBarrierShared(); barrier();
    for (uint s = G / 2u; s > 0u; s >>= 1) {
        if (lane < s) rowsV[b + lane] += rowsV[b + lane + s];
        memoryBarrierShared(); barrier();
    }
    v = rowsV[b];
    memoryBarrierShared(); barrier();
#endif
    return v;
}

// rowMax returns the maximum of v over the lanes of this invocation's row.
float rowMax(float v) {
#if G > 1
    uint lane = gl_LocalInvocationID.x, b = gl_LocalInvocationID.y * G;
    rowsV[b + lane] = v;
    memoryBarrierShared(); barrier();
    for (uint s = G / 2u; s > 0u; s >>= 1) {
        if (lane < s) rowsV[b + lane] = max(rowsV[b + lane], rowsV[b + lane + s]);
        memoryBarrierShared(); barrier();
    }
    v = rowsV[b];
    memoryBarrierShared(); barrier();
#endif
    return v;
}

// ROWS_NONE is the index of a lane that saw no element.
#define ROWS_NONE 0xffffffffu

// rowArgMax combines the lanes' (value v, column i) candidates of a row and
// returns the winning column: the larger value, the smaller column on ties;
// candidates with i = ROWS_NONE lose to any other.
uint rowArgMax(float v, uint i) {
#if G > 1
    uint lane = gl_LocalInvocationID.x, b = gl_LocalInvocationID.y * G;
    rowsV[b + lane] = v;
    rowsI[b + lane] = i;
    memoryBarrierShared(); barrier();
    for (uint s = G / 2u; s > 0u; s >>= 1) {
        if (lane < s) {
            float v1 = rowsV[b + lane], v2 = rowsV[b + lane + s];
            uint i1 = rowsI[b + lane], i2 = rowsI[b + lane + s];
            if (i1 == ROWS_NONE || (i2 != ROWS_NONE && (v2 > v1 || (v2 == v1 && i2 < i1)))) {
                rowsV[b + lane] = v2;
                rowsI[b + lane] = i2;
            }
        }
        memoryBarrierShared(); barrier();
    }
    i = rowsI[b];
    memoryBarrierShared(); barrier();
#endif
    return i;
}

// groupSum returns the sum of v over the work group's 64 invocations, in a
// fixed order (a tree over gl_LocalInvocationIndex).
float groupSum(float v) {
    uint i = gl_LocalInvocationIndex;
    rowsV[i] = v;
    memoryBarrierShared(); barrier();
    for (uint s = 32u; s > 0u; s >>= 1) {
        if (i < s) rowsV[i] += rowsV[i + s];
        memoryBarrierShared(); barrier();
    }
    v = rowsV[0];
    memoryBarrierShared(); barrier();
    return v;
}
