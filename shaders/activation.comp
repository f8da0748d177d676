#version 430
// Element-wise activations and their gradients, over n floats, or, with
// VEC4 1 (when the tensors' length is a multiple of 4), n vec4s.
//
// GRAD 0: y[i] = f(x[i])                      bindings 0 y, 1 x
// GRAD 1: dx[i] = dy[i]·f'(x[i]), from x or y bindings 0 dx, 1 dy, 2 x, 3 y
// f is ACT (see activation.glsl), with parameter alpha. Outputs may alias
// inputs (y = x, dx = dy): each invocation reads its element before
// writing it. The input the activation does not read is bound to some
// other buffer.
// Uniforms: n; float alpha.
#ifndef GRAD
#define GRAD 0
#endif
#ifndef VEC4
#define VEC4 0
#endif
#if VEC4
#define T vec4
#else
#define T float
#endif
#include "activation.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Out { T outv[]; };
layout(std430, binding = 1) readonly buffer In1 { T in1[]; };
#if GRAD
layout(std430, binding = 2) readonly buffer In2 { T in2[]; };
layout(std430, binding = 3) readonly buffer In3 { T in3[]; };
#endif
uniform uint n;
uniform float alpha;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
#if GRAD
        outv[i] = act_df(alpha, in2[i], in3[i], in1[i]);
#else
        outv[i] = act_f(alpha, in1[i]);
#endif
    }
}
