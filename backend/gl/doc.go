// Package gl is glnn's OpenGL backend: a backend.Device whose ops are
// OpenGL 4.3 compute shaders (package github.com/glnn/glnn/shaders) over
// shader storage buffers. It registers itself as "gl" with the backend
// registry; builds without cgo register an opener that reports
// "GPU backend not built: cgo disabled".
//
// # Contexts
//
// New makes an OpenGL context without any window system by default:
// headless EGL, trying in turn the hardware devices of the EGL device
// platform (EGL_EXT_platform_device, the route on NVIDIA servers), Mesa's
// surfaceless platform (EGL_MESA_platform_surfaceless), the device
// platform's software devices, and the default display. Builds with the
// glfw tag can instead use a hidden GLFW window (needs an X server or
// Wayland; under CI, xvfb-run). backend.Options.Context, or the
// GLNN_GL_CONTEXT environment variable when it is empty, selects the
// route: "" or "auto" (EGL, then GLFW when built in), "egl", or "glfw".
// Info().Context records the route that won ("egl-device",
// "egl-surfaceless", "egl-default", "glfw"). Contexts older than OpenGL
// 4.3 are refused; Info().Software is true for llvmpipe, softpipe, swrast
// and SwiftShader. Options.Debug or GLNN_GL_DEBUG=1 asks for a debug
// context whose error messages (glDebugMessageCallback) Sync reports.
//
// # Threading
//
// A GL context is current on one OS thread, and GL calls from any other
// thread silently do nothing. Each Device therefore owns one goroutine,
// locked to its OS thread, that makes the context, compiles every shader
// variant (once, at New), and then executes a queue of commands. Ops
// validate their arguments on the caller's goroutine (shape misuse panics
// there, with the op name and shapes), enqueue a small command value on a
// buffered channel and return at once. Upload copies the caller's slice
// before returning (large slices are written before it returns instead).
// Alloc, Download, Sync and Close wait for their answer, which also waits
// for every op queued before them. Errors met by queued ops (GL errors,
// debug-output errors, a bad Gather row) are deferred to the next Download,
// Sync or Close. A Device must be used from one goroutine at a time, as
// backend.Device requires; several Devices may be used concurrently.
//
// # Synchronisation
//
// On a real GPU, dispatches run asynchronously and shader writes to
// storage buffers are incoherent; llvmpipe runs them one after another, so
// tests on it cannot catch a missing barrier. The rules, by review:
//
//   - Shader → shader: every glDispatchCompute is followed by
//     glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT), so any later dispatch
//     sees its writes (and, as drivers implement the barrier, does not
//     overtake it: write-after-read on a reused buffer is ordered too).
//   - Shader → buffer commands: before glGetNamedBufferSubData (Download,
//     the Gather error flag), glNamedBufferSubData (Upload),
//     glCopyNamedBufferSubData (Copy) or glClearNamedBuffer(Sub)Data (Fill,
//     resetting the error flag) on a buffer a shader may have written, the
//     device issues
//     glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT); it tracks whether any
//     dispatch ran since the last such barrier and skips it otherwise.
//   - Buffer commands → shaders: writes by glNamedBufferSubData,
//     glCopyNamedBufferSubData and glClearNamedBuffer(Sub)Data are ordered
//     before later dispatches by GL itself; no barrier is needed. Likewise a
//     buffer command that overwrites data an earlier dispatch reads waits
//     for that dispatch (GL orders API writes after prior reads).
//   - Host ← GPU: glGetNamedBufferSubData returns only once the data is
//     there. Sync waits with glFenceSync/glClientWaitSync (flushing), never
//     glFinish. Close fences before deleting anything.
//   - Deleting a buffer (Release, growing the scratch buffer) while queued
//     dispatches still use it is safe: GL keeps the storage until they end.
//   - Aliasing allowed by the Device contract (y = x in AddBias and
//     Activate, dx = dy, dLogits = logits, dPred = pred) binds one buffer
//     twice; no block is declared restrict, and each invocation reads an
//     element before it writes it, with row reductions finished (barrier())
//     before any element of the row is written.
//
// # Memory and reductions
//
// Each tensor is one buffer object (glCreateBuffers, glNamedBufferStorage,
// zeroed with glClearNamedBufferData); views share it. A shader binds the
// first rows·cols elements of each tensor (glBindBufferRange), shapes
// coming in uniforms. Those may not exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE
// (128 MiB on llvmpipe, smaller than MNIST's training images): Alloc
// accepts larger tensors, Upload, Download, Copy and Fill (buffer
// commands) handle them, Gather binds such a src as up to four blocks of
// whole rows, and every other op panics on them. Fill is
// glClearNamedBufferSubData. LiveBuffers counts tensors; the device's own
// scratch and error-flag buffers are not counted.
//
// GLSL 4.30 has no float atomics, so losses, correct counts and SumRows are
// reduced deterministically: a row-wise pass writes one value per row into
// a device scratch buffer and one work group sums it in shared memory in a
// fixed order, adding to the 1×1 accumulator; nothing returns to the host.
// Row-wise kernels (softmax, its gradient, the losses, arg-max) run one
// invocation per row for rows of up to 64 values and a work group of 64
// per row, reducing in shared memory, for wider rows. Softmax and
// cross-entropy subtract the row maximum and use log-sum-exp.
//
// # GEMM
//
// MatMul has three kernels, all register-blocked and reading transposed
// operands in place (transposes are compile-time variants): on hardware, a shared-memory tiled kernel computing a 64×64
// block of C per work group of 16×16 invocations with 4×4 outputs each, K
// staged 16 at a time, or the same with a 32×32 block and 8×8 invocations
// when the 64×64 tiling would give fewer than 16 work groups; on software
// renderers, where barriers are costly and shared memory is ordinary
// memory, a kernel without shared memory giving each of 8×8 invocations
// 8×8 outputs (about 3× faster on llvmpipe).
package gl
