// Package shaders holds the GLSL 4.30 compute shaders of glnn's OpenGL
// backend (package github.com/glnn/glnn/backend/gl), one file per op family.
//
// Each *.comp file starts with "#version 430". The backend compiles each
// variant the first time it needs it, injecting "#define NAME VALUE" lines
// (transposes, tile sizes, lanes per row, activation kinds, modes) right
// after the #version line; shapes and scalars are passed as uniforms.
// Buffers are std430 shader storage blocks bound by binding index, as each
// file documents at its top. Code several shaders share lives in *.glsl
// files that they #include (see Source): activations (activation.glsl),
// row reductions (rows.glsl) and the GEMM epilogue (epilogue.glsl).
//
// The package has no cgo and no GL dependency: it only embeds the sources,
// so it builds everywhere.
package shaders

import "embed"

// FS holds the compute shader sources, named "<family>.comp", and the
// files they include, "*.glsl".
//
//go:embed *.comp *.glsl
var FS embed.FS
