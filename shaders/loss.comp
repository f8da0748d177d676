#version 430
// Losses on rows×cols predictions, G lanes per row. Each writes the
// gradient and one loss value per row into rowLoss; a second pass
// (reduce.comp, MODE 1) adds Σ rowLoss to the 1×1 loss sum, so the sum is
// deterministic and stays on the device.
//
// MODE 0, softmax cross-entropy: with m = max_j x_j, s = Σ_j e^(x_j − m),
//   p_j = e^(x_j − m)/s, d_j = (p_j − t_j)/rows,
//   rowLoss = −Σ_j t_j·(x_j − m − log s)
// MODE 1, mean squared error: d_j = 2(x_j − t_j)/(rows·cols),
//   rowLoss = Σ_j (x_j − t_j)²/cols
// Bindings: 0 d, 1 rowLoss, 2 x (logits or predictions; may be d),
// 3 t (targets). Uniforms: rows, cols.
#ifndef G
#define G 1
#endif
#ifndef MODE
#define MODE 0
#endif
#ifndef RPW
#define RPW 64 // rows per work group, 64/G (a literal: layout sizes must be)
#endif
#include "rows.glsl"
layout(local_size_x = G, local_size_y = RPW) in;
layout(std430, binding = 0) buffer D { float d[]; };
layout(std430, binding = 1) writeonly buffer RowLoss { float rowLoss[]; };
layout(std430, binding = 2) readonly buffer X { float x[]; };
layout(std430, binding = 3) readonly buffer T { float t[]; };
uniform uint rows;
uniform uint cols;

void main() {
    uint lane = gl_LocalInvocationID.x;
    for (uint base = gl_WorkGroupID.x * RPW; base < rows; base += gl_NumWorkGroups.x * RPW) {
        uint r = base + gl_LocalInvocationID.y;
        bool inRange = r < rows;
        uint off = r * cols;
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
        if (inRange && lane == 0u) rowLoss[r] = loss;
    }
}
