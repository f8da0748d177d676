#version 430
// Row-wise softmax and its gradient on a rows×cols matrix, G lanes per row
// (G = 1: one invocation walks a whole row; G = 64: a work group shares a
// row and reduces in shared memory).
//
// GRAD 0: y = exp(x − max_row)/Σ exp(x − max_row)    bindings 0 y, 1 x (may be y)
// GRAD 1: dx_j = y_j·(dy_j − Σ_k dy_k·y_k)           bindings 0 dx, 1 y, 2 dy (may be dx)
// Uniforms: rows, cols.
#ifndef G
#define G 1
#endif
#ifndef GRAD
#define GRAD 0
#endif
#ifndef RPW
#define RPW 64 // rows per work group, 64/G (a literal: layout sizes must be)
#endif
#include "rows.glsl"
layout(local_size_x = G, local_size_y = RPW) in;
layout(std430, binding = 0) buffer Out { float outv[]; };
layout(std430, binding = 1) readonly buffer In1 { float in1[]; };
#if GRAD
layout(std430, binding = 2) readonly buffer In2 { float in2[]; };
#endif
uniform uint rows;
uniform uint cols;

void main() {
    uint lane = gl_LocalInvocationID.x;
    for (uint base = gl_WorkGroupID.x * RPW; base < rows; base += gl_NumWorkGroups.x * RPW) {
        uint r = base + gl_LocalInvocationID.y;
        bool inRange = r < rows;
        uint off = r * cols;
#if GRAD
        float d = 0.0;
        if (inRange) {
            for (uint j = lane; j < cols; j += G) d += in2[off + j] * in1[off + j];
        }
        d = rowSum(d);
        if (inRange) {
            for (uint j = lane; j < cols; j += G) {
                float yj = in1[off + j];
                outv[off + j] = yj * (in2[off + j] - d);
            }
        }
#else
        float m = uintBitsToFloat(0xff800000u); // -inf
        if (inRange) {
            for (uint j = lane; j < cols; j += G) m = max(m, in1[off + j]);
        }
        m = rowMax(m);
        float s = 0.0;
        if (inRange) {
            for (uint j = lane; j < cols; j += G) s += exp(in1[off + j] - m);
        }
        s = rowSum(s);
        if (inRange) {
            for (uint j = lane; j < cols; j += G) outv[off + j] = exp(in1[off + j] - m) / s;
        }
#endif
    }
}
