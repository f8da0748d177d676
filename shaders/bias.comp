#version 430
// AddBias with a fused element-wise activation:
// y[r][c] = f(x[r][c] + bias[c]) for a rows×cols x, n = rows·cols.
// Bindings: 0 y, 1 x (may be y), 2 bias. Uniforms: n, cols, act
// (0 identity, 1 ReLU, 2 sigmoid, 3 tanh).
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer Y { float y[]; };
layout(std430, binding = 1) buffer X { float x[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
uniform uint n;
uniform uint cols;
uniform uint act;

// See activation.comp.
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

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        y[i] = f(x[i] + bias[i % cols]);
    }
}
