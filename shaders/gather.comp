#version 430
// Gather: dst row r = src row indices[offset + r], row numbers held as
// float32, for rows of dst. src may exceed one shader storage block, so
// it comes as four blocks of chunkRows whole rows each (src row i is row
// i mod chunkRows of block i / chunkRows; unused blocks repeat the first).
// A row number that is negative, fractional or ≥ srcRows writes zeros and
// sets bit 0 of the device's error flag, which the next Sync reports.
// With VEC4 1 (when cols is a multiple of 4) rows are copied as vec4s, and
// cols counts vec4s.
// Bindings: 0 dst, 1 indices, 2 error flag (uint), 3..6 src blocks.
// Uniforms: rows, cols, srcRows, offset, chunkRows.
#ifndef VEC4
#define VEC4 0
#endif
#if VEC4
#define T vec4
#else
#define T float
#endif
layout(local_size_x = 64, local_size_y = 4) in;
layout(std430, binding = 0) writeonly buffer Dst { T dst[]; };
layout(std430, binding = 1) readonly buffer Idx { float idx[]; };
layout(std430, binding = 2) buffer Err { uint errFlag; };
layout(std430, binding = 3) readonly buffer Src0 { T src0[]; };
layout(std430, binding = 4) readonly buffer Src1 { T src1[]; };
layout(std430, binding = 5) readonly buffer Src2 { T src2[]; };
layout(std430, binding = 6) readonly buffer Src3 { T src3[]; };
uniform uint rows;
uniform uint cols;
uniform uint srcRows;
uniform uint offset;
uniform uint chunkRows;

// A work group copies 4 rows at a time, 64 invocations striding along
// each row.
void main() {
    for (uint r = gl_GlobalInvocationID.y; r < rows; r += gl_NumWorkGroups.y * 4u) {
        uint d0 = r * cols;
        float fi = idx[offset + r];
        if (fi >= 0.0 && fi < float(srcRows) && fi == floor(fi)) {
            uint row = uint(fi);
            uint k = row / chunkRows;
            uint s0 = (row - k * chunkRows) * cols;
            for (uint c = gl_LocalInvocationID.x; c < cols; c += 64u) {
                T v;
                if (k == 0u) v = src0[s0 + c];
                else if (k == 1u) v = src1[s0 + c];
                else if (k == 2u) v = src2[s0 + c];
                else v = src3[s0 + c];
                dst[d0 + c] = v;
            }
        } else {
            for (uint c = gl_LocalInvocationID.x; c < cols; c += 64u) dst[d0 + c] = T(0.0);
            if (gl_LocalInvocationID.x == 0u) atomicOr(errFlag, 1u);
        }
    }
}
