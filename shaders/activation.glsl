// Element-wise activations, shared by every shader that applies one
// (#include "activation.glsl"). The kinds are backend.ActivationKind's
// values, which the device defines as ACT_IDENTITY, ACT_RELU, … from the
// Go table, so the two cannot drift; alpha is LeakyReLU's slope.

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

// erfc_s is erfc(z) for z ≥ 0 with a fractional error below 1.2e-7
// (Numerical Recipes' Chebyshev fit), so that Φ(x) keeps its relative
// accuracy far into the tail.
float erfc_s(float z) {
    float t = 1.0 / (1.0 + 0.5 * z);
    float p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
              t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    return t * exp(-z * z + p);
}

// phi_cdf is the standard normal distribution function Φ(x).
float phi_cdf(float x) {
    float q = 0.5 * erfc_s(abs(x) * 0.70710678118654752);
    return x >= 0.0 ? 1.0 - q : q;
}

// ACT selects the activation at compile time (each kind is a program
// variant, so a shader carries only its own function: CPU emulations such
// as llvmpipe run every branch of an if); it defaults to the identity.
#ifndef ACT
#define ACT ACT_IDENTITY
#endif

// act_f returns f(x).
float act_f(float alpha, float x) {
#if ACT == ACT_IDENTITY
    return x;
#elif ACT == ACT_RELU
    return max(x, 0.0);
#elif ACT == ACT_LEAKY_RELU
    return x > 0.0 ? x : alpha * x;
#elif ACT == ACT_SIGMOID
    return 1.0 / (1.0 + exp(-x));
#elif ACT == ACT_TANH
    return tanh_s(x);
#elif ACT == ACT_GELU
    return x * phi_cdf(x);
#else
#error activation.glsl has no code for this ACT
#endif
}

// act_df returns dy·f'(x), from the input x or the output y = f(x),
// whichever the kind reads (backend.Activation.GradNeedsInput); the other
// is ignored.
float act_df(float alpha, float x, float y, float dy) {
#if ACT == ACT_IDENTITY
    return dy;
#elif ACT == ACT_RELU
    return y > 0.0 ? dy : 0.0;
#elif ACT == ACT_LEAKY_RELU
    return x > 0.0 ? dy : alpha * dy;
#elif ACT == ACT_SIGMOID
    return dy * (y * (1.0 - y));
#elif ACT == ACT_TANH
    return dy * (1.0 - y * y);
#elif ACT == ACT_GELU
    return dy * (phi_cdf(x) + x * 0.39894228040143268 * exp(-0.5 * x * x));
#else
#error activation.glsl has no code for this ACT
#endif
}

// The same, component-wise on vec4s (for the VEC4 variants).
vec4 act_f(float alpha, vec4 x) {
    return vec4(act_f(alpha, x.x), act_f(alpha, x.y), act_f(alpha, x.z), act_f(alpha, x.w));
}

vec4 act_df(float alpha, vec4 x, vec4 y, vec4 dy) {
    return vec4(act_df(alpha, x.x, y.x, dy.x), act_df(alpha, x.y, y.y, dy.y),
                act_df(alpha, x.z, y.z, dy.z), act_df(alpha, x.w, y.w, dy.w));
}
