#version 430
// Element-wise activations and their gradients.
//
// GRAD 0: y[i] = f(x[i])                 bindings 0 y, 1 x
// GRAD 1: dx[i] = dy[i] * f'(y[i])       bindings 0 dx, 1 y, 2 dy
// f is chosen by the uniform act: 0 identity, 1 ReLU, 2 sigmoid, 3 tanh
// (the values of backend.Activation). Outputs may alias inputs: each
// invocation reads its element before writing it.
// Uniforms: n, act.
#ifndef GRAD
#define GRAD 0
#endif
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Out { float outv[]; };
layout(std430, binding = 1) buffer In1 { float in1[]; };
#if GRAD
layout(std430, binding = 2) buffer In2 { float in2[]; };
#endif
uniform uint n;
uniform uint act;

// tanh without the inf/inf of exp-based formulas and without cancellation
// near zero (odd Taylor series below 0.3, |error| < 1e-8 relative there).
float tanh_s(float x) {
    float ax = abs(x);
    if (ax < 0.3) {
        float x2 = x * x;
        return x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (2.0 / 15.0 + x2 * (-17.0 / 315.0 + x2 * (62.0 / 2835.0)))));
    }
    float t = exp(-2.0 * ax);
    return sign(x) * ((1.0 - t) / (1.0 + t));
}

float f(float x) {
    if (act == 1u) return x > 0.0 ? x : 0.0;
    if (act == 2u) return 1.0 / (1.0 + exp(-x));
    if (act == 3u) return tanh_s(x);
    return x;
}

// df returns dy·f'(x) expressed through y = f(x).
float df(float y, float dy) {
    if (act == 1u) return y > 0.0 ? dy : 0.0;
    if (act == 2u) return dy * (y * (1.0 - y));
    if (act == 3u) return dy * (1.0 - y * y);
    return dy;
}

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
#if GRAD
        outv[i] = df(in1[i], in2[i]);
#else
        outv[i] = f(in1[i]);
#endif
    }
}
