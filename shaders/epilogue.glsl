// The GEMM epilogue, shared by gemm.comp and reduce.comp (MODE 3, the sum
// of split-K partial products): what is stored for an element v of
// op(a)·op(b) at row-major index idx of c. It lets the device run an
// AddBias or an ActivationGrad on a product as part of the product's
// dispatch. What it needs of the element's column (the bias) comes from
// epiColumn, which kernels call once per column they own, not once per
// element. Include activation.glsl first.
//
// EPI 0: v.
// EPI 1: act_f(v + e[col]), col the element's column: e is the 1×N bias
//        (AddBias fused).
// EPI 2: act_df(e[idx], v): the activation's gradient with dy = v, e
//        holding the activation's input x or its output y, whichever the
//        gradient of ACT reads (ActivationGrad fused).
// ACT is the activation (see activation.glsl), alpha its parameter.
// Binding 3: e (EPI 1 and 2).
#ifndef EPI
#define EPI 0
#endif
#if EPI != 0
layout(std430, binding = 3) readonly buffer Epi { float e[]; };
uniform float alpha;
#endif

// epiColumn returns what the epilogue needs of column col.
float epiColumn(uint col) {
#if EPI == 1
    return e[col];
#else
    return 0.0;
#endif
}

// epilogue returns what to store for v at index idx, with ec =
// epiColumn(its column).
float epilogue(float v, uint idx, float ec) {
#if EPI == 1
    return act_f(alpha, v + ec);
#elif EPI == 2
    float xy = e[idx];
    return act_df(alpha, xy, xy, v);
#else
    return v;
#endif
}
