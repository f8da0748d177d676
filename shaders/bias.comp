#version 430
// AddBias with a fused element-wise activation:
// y[r][c] = f(x[r][c] + bias[c]) for a rows×cols x, n = rows·cols, f the
// activation ACT (see activation.glsl). With VEC4 1 (when cols is a
// multiple of 4) the elements are vec4s: n and cols count vec4s.
// Bindings: 0 y, 1 x (may be y), 2 bias. Uniforms: n, cols; float alpha.
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
layout(std430, binding = 0) buffer Y { T y[]; };
layout(std430, binding = 1) readonly buffer X { T x[]; };
layout(std430, binding = 2) readonly buffer Bias { T bias[]; };
uniform uint n;
uniform uint cols;
uniform float alpha;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        y[i] = act_f(alpha, x[i] + bias[i % cols]);
    }
}
