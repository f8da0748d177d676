#version 430
// Row-wise arg-max (first index on ties) on rows×cols matrices, G lanes per
// row.
//
// MODE 0, ArgMax:  dst[r] = float(argmax_j src[r][j])      bindings 0 dst, 1 src
// MODE 1, correct: hit[r] = argmax pred[r] == argmax targets[r] ? 1 : 0
//                  bindings 0 hit, 1 pred, 2 targets; a second pass
//                  (reduce.comp, MODE 1) adds Σ hit to the 1×1 counter,
//                  or, with SINGLE 1, one work group walks every row and
//                  adds Σ hit to the 1×1 counter (binding 0) itself.
// Uniforms: rows, cols.
#ifndef G
#define G 1
#endif
#ifndef MODE
#define MODE 0
#endif
#ifndef RPW
#define RPW 64 // rows per work group, 64/G (a literal: layout sizes must be)
#endif
#ifndef SINGLE
#define SINGLE 0
#endif
#include "rows.glsl"
layout(local_size_x = G, local_size_y = RPW) in;
#if SINGLE
layout(std430, binding = 0) buffer Dst { float dst[]; };
#else
layout(std430, binding = 0) writeonly buffer Dst { float dst[]; };
#endif
layout(std430, binding = 1) readonly buffer A { float a[]; };
#if MODE == 1
layout(std430, binding = 2) readonly buffer B { float b[]; };
#endif
uniform uint rows;
uniform uint cols;

void main() {
    uint lane = gl_LocalInvocationID.x;
    float hits = 0.0; // SINGLE: this invocation's rows, lane 0 only
    for (uint base = gl_WorkGroupID.x * RPW; base < rows; base += gl_NumWorkGroups.x * RPW) {
        uint r = base + gl_LocalInvocationID.y;
        bool inRange = r < rows;
        uint off = r * cols;
        float va = 0.0;
        uint ia = ROWS_NONE;
        if (inRange) {
            for (uint j = lane; j < cols; j += G) {
                float v = a[off + j];
                if (ia == ROWS_NONE || v > va) { va = v; ia = j; }
            }
        }
        ia = rowArgMax(va, ia);
#if MODE == 0
        if (inRange && lane == 0u) dst[r] = float(ia);
#else
        float vb = 0.0;
        uint ib = ROWS_NONE;
        if (inRange) {
            for (uint j = lane; j < cols; j += G) {
                float v = b[off + j];
                if (ib == ROWS_NONE || v > vb) { vb = v; ib = j; }
            }
        }
        ib = rowArgMax(vb, ib);
#if SINGLE
        if (inRange && lane == 0u && ia == ib) hits += 1.0;
#else
        if (inRange && lane == 0u) dst[r] = ia == ib ? 1.0 : 0.0;
#endif
#endif
    }
#if SINGLE
    hits = groupSum(hits);
    if (gl_LocalInvocationIndex == 0u) dst[0] = dst[0] + hits;
#endif
}
