#version 430
// Losses on rows×cols predictions, G lanes per row (see rows.glsl). Each
// writes the gradient and reduces one loss value per row, in a fixed
// order, so the sum is deterministic and stays on the device:
//
// SINGLE 0: one value per row into rowLoss; a second pass (reduce.comp,
//   MODE 1) adds Σ rowLoss to the 1×1 loss sum.
// SINGLE 1: one work group walks every row and adds the rows' total to the
//   1×1 loss sum itself (for small batches: one dispatch instead of two).
//   With COUNT 1 it also adds to the 1×1 count `correct` the rows whose
//   arg-max of x equals that of t (first index on ties): CountCorrect,
//   fused. The arg-max of x is taken before the row's gradient is written.
//
// MODE 0, softmax cross-entropy: with m = max_j x_j, s = Σ_j e^(x_j − m),
//   p_j = e^(x_j − m)/s, d_j = (p_j − t_j)/rows,
//   rowLoss = −Σ_j t_j·(x_j − m − log s)
// MODE 1, mean squared error: d_j = 2(x_j − t_j)/(rows·cols),
//   rowLoss = Σ_j (x_j − t_j)²/cols
// Bindings: 0 d, 1 rowLoss (SINGLE 0) or the loss sum (SINGLE 1), 2 x
// (logits or predictions; may be d), 3 t (targets), 4 correct (COUNT 1).
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
#ifndef COUNT
#define COUNT 0
#endif
#include "rows.glsl"
layout(local_size_x = G, local_size_y = RPW) in;
layout(std430, binding = 0) buffer D { float d[]; };
#if SINGLE
layout(std430, binding = 1) buffer LossSum { float lossSum[]; };
#else
layout(std430, binding = 1) writeonly buffer RowLoss { float rowLoss[]; };
#endif
layout(std430, binding = 2) readonly buffer X { float x[]; };
layout(std430, binding = 3) readonly buffer T { float t[]; };
#if COUNT
layout(std430, binding = 4) buffer Correct { float correct[]; };
#endif
uniform uint rows;
uniform uint cols;

// argMax returns the arg-max of the row at off of x, or of t when fromT,
// first index on ties.
uint argMax(uint off, bool inRange, bool fromT) {
    float v = 0.0;
    uint i = ROWS_NONE;
    if (inRange) {
        for (uint j = gl_LocalInvocationID.x; j < cols; j += G) {
            float e = fromT ? t[off + j] : x[off + j];
            if (i == ROWS_NONE || e > v) { v = e; i = j; }
        }
    }
    return rowArgMax(v, i);
}

void main() {
    uint lane = gl_LocalInvocationID.x;
    float total = 0.0; // SINGLE: this invocation's rows, lane 0 only
    float hits = 0.0;
    for (uint base = gl_WorkGroupID.x * RPW; base < rows; base += gl_NumWorkGroups.x * RPW) {
        uint r = base + gl_LocalInvocationID.y;
        bool inRange = r < rows;
        uint off = r * cols;
#if COUNT
        uint ix = argMax(off, inRange, false);
        uint it = argMax(off, inRange, true);
        if (inRange && lane == 0u && ix == it) hits += 1.0;
#endif
        float loss = 0.0;
#if MODE == 0
        float m = uintBitsToFloat(0xff800000u); // -inf
        if (inRange) {
            for (uint j = lane; j < cols; j += G) m = max(m, x[off + j]);
        }
        m = rowMax(m);
        float s = 0.0;
        if (inRange) {
            for (uint j = lane; j < cols; j += G) s += exp(x[off + j] - m);
        }
        s = rowSum(s);
        float logS = log(s);
        float fr = float(rows);
        if (inRange) {
            for (uint j = lane; j < cols; j += G) {
                float xj = x[off + j] - m;
                float tj = t[off + j];
                if (tj != 0.0) loss -= tj * (xj - logS);
                d[off + j] = (exp(xj) / s - tj) / fr;
            }
        }
#else
        float n = float(rows) * float(cols);
        if (inRange) {
            for (uint j = lane; j < cols; j += G) {
                float e = x[off + j] - t[off + j];
                loss += e * e;
                d[off + j] = 2.0 * e / n;
            }
        }
        loss /= float(cols);
#endif
        loss = rowSum(loss);
#if SINGLE
        if (inRange && lane == 0u) total += loss;
#else
        if (inRange && lane == 0u) rowLoss[r] = loss;
#endif
    }
#if SINGLE
    total = groupSum(total);
    if (gl_LocalInvocationIndex == 0u) lossSum[0] = lossSum[0] + total;
#endif
#if COUNT
    hits = groupSum(hits);
    if (gl_LocalInvocationIndex == 0u) correct[0] = correct[0] + hits;
#endif
}
