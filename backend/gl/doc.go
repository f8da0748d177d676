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
// On a real GPU, dispatches without a barrier between them may run at the
// same time, and shader writes to storage buffers are incoherent; llvmpipe
// runs dispatches one after another, so no test on it can see a missing
// barrier. The device therefore places barriers by rules, tracked per
// buffer range (the bytes each storage binding covers), and
// TestCommandStream checks the rules on the GL calls of real training
// steps, recorded through a trace hook in the worker (worker.trace; one
// nil check per call when off). Each program's write mask (progSpec.writes,
// checked against its readonly declarations by glslangValidator in
// TestShadersWriteMasks) says which of its bindings it may write.
//
//   - Shader → shader. The worker remembers every range that dispatches
//     read or wrote since the last glMemoryBarrier(GL_SHADER_STORAGE_BARRIER_BIT).
//     A dispatch waits behind that barrier when it reads or writes a range
//     an earlier one wrote (read-after-write, write-after-write), or writes
//     a range an earlier one read (write-after-read: without the barrier
//     the two may overlap in time and the earlier one read the new
//     values). A barrier orders every earlier dispatch, so the record is
//     then cleared. Dispatches that only read the same data (the two
//     Gathers of a step reading the indices; dW, SumRows and dX reading
//     dY) or write disjoint ranges of one buffer (the gradients of all
//     layers, slices of one tensor) get no barrier between them. Two
//     dispatches that update the same words only with atomic functions
//     (Gather's error flag, atomicOr) need no order either
//     (progSpec.atomics). With more accesses than it can remember
//     (maxHazards) the worker issues the barrier early.
//   - Shader → buffer commands. Before glGetNamedBufferSubData (Download,
//     the Gather error flag), glNamedBufferSubData (Upload),
//     glCopyNamedBufferSubData (Copy, both ends) or
//     glClearNamedBuffer(Sub)Data (Fill, resetting the error flag) on a
//     range a dispatch wrote since the last
//     glMemoryBarrier(GL_BUFFER_UPDATE_BARRIER_BIT), the worker issues
//     that barrier, so the command sees the writes and a buffer write
//     lands after them.
//   - Buffer commands → shaders, and buffer writes after shader reads:
//     GL orders buffer commands with the dispatches around them itself
//     (only shader writes are incoherent), so no barrier is needed.
//   - Host ← GPU: glGetNamedBufferSubData returns only once the data is
//     there. Sync waits with glFenceSync/glClientWaitSync (flushing), never
//     glFinish. Close fences before deleting anything.
//   - Deleting a buffer (Release, growing the scratch buffer) while queued
//     dispatches still use it is safe: GL keeps the storage until they end.
//     The worker forgets the deleted buffer's ranges, since GL may reuse
//     its name for a new buffer.
//   - Aliasing allowed by the Device contract (y = x in AddBias and
//     Activate, dx = dy, dLogits = logits, dPred = pred) binds one range
//     twice, once readonly; no block is declared restrict, so compilers
//     must assume the aliasing, and every invocation reads an element
//     before it writes it, and only it writes that element, with row
//     reductions finished (barrier()) before any element of the row is
//     written.
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
