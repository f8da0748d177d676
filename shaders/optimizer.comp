#version 430
// Optimizer steps, Keras form, element-wise over param's elements: n
// floats, or, with VEC4 1 (when param.Len() is a multiple of 4), n vec4s.
//
// MODE 0, SGD:           p -= lr·g                          bindings 0 p, 1 g
// MODE 1, SGD momentum:  v = momentum·v − lr·g; p += v      bindings 0 p, 1 g, 2 v
// MODE 2, Adam:          m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
//                        p −= step·m/(√v + ε)               bindings 0 p, 1 g, 2 m, 3 v
// where step = lr·√(1−β2^t)/(1−β1^t) is computed on the host.
// Uniforms: n; floats lr (or step), momentum (or β1), beta2, eps.
#ifndef MODE
#define MODE 0
#endif
#ifndef VEC4
#define VEC4 0
#endif
#if VEC4
#define T vec4
#else
#define T float
#endif
layout(local_size_x = 256) in;
layout(std430, binding = 0) buffer P { T p[]; };
layout(std430, binding = 1) readonly buffer G { T g[]; };
#if MODE >= 1
layout(std430, binding = 2) buffer S1 { T s1[]; };
#endif
#if MODE == 2
layout(std430, binding = 3) buffer S2 { T s2[]; };
#endif
uniform uint n;
uniform float lr;
uniform float momentum;
uniform float beta2;
uniform float eps;

void main() {
    uint stride = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
    for (uint i = gl_GlobalInvocationID.x; i < n; i += stride) {
        T gi = g[i];
#if MODE == 0
        p[i] = p[i] - lr * gi;
#elif MODE == 1
        T v = momentum * s1[i] - lr * gi;
        s1[i] = v;
        p[i] = p[i] + v;
#else
        float beta1 = momentum;
        T m = beta1 * s1[i] + (1.0 - beta1) * gi;
        T v = beta2 * s2[i] + (1.0 - beta2) * gi * gi;
        s1[i] = m;
        s2[i] = v;
        p[i] = p[i] - lr * m / (sqrt(v) + eps);
#endif
    }
}
