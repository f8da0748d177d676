// Package gl is glnn's OpenGL backend: a backend.Device whose ops are
// compute shaders in GLSL 4.30 (package github.com/glnn/glnn/shaders) over
// shader storage buffers, managed with the direct-state-access calls of
// OpenGL 4.5. It registers itself as "gl" with the backend registry;
// builds without cgo register an opener that reports "GPU backend not
// built: cgo disabled".
//
// # Contexts
//
// New makes an OpenGL context without any window system by default:
// headless EGL, trying in turn the GPUs of the EGL device platform
// (EGL_EXT_platform_device, the route on NVIDIA servers), Mesa's
// surfaceless platform (EGL_MESA_platform_surfaceless), the device
// platform's software devices, and the default display. Builds with the
// glfw tag can instead use a hidden GLFW window (needs an X server or
// Wayland; under CI, xvfb-run). backend.Options.Context, or the
// GLNN_GL_CONTEXT environment variable when it is empty, selects the
// route: "" or "auto" (EGL, then GLFW when built in), "egl", or "glfw".
// Info().Context records the route that won ("egl-device",
// "egl-surfaceless", "egl-default", "glfw"), and Info().Notes how it was
// chosen: the EGL devices found, the GPU opened, and why each route tried
// before it failed (an NVIDIA device that did not initialise in a
// container, say, before the run landed on llvmpipe); backend.OpenAuto's
// reason repeats them when it passes a software renderer over.
//
// The device needs OpenGL 4.5, or 4.3 with GL_ARB_direct_state_access and
// GL_ARB_buffer_storage (the 4.5 calls glCreateBuffers,
// glNamedBufferStorage, glClearNamedBufferSubData, glCopyNamedBufferSubData…
// come from those); it asks for a 4.3 core context, which drivers answer
// with their newest version, and refuses one that fails the rule, saying
// what is missing. Info().Software is true for llvmpipe, softpipe, swrast
// and SwiftShader. Options.Debug or GLNN_GL_DEBUG=1 asks for a debug
// context whose error messages (glDebugMessageCallback) Sync reports.
//
// # Choosing a GPU
//
// backend.Options.GPU, or GLNN_GPU when it is empty, picks a GPU by
// number. The GPUs are the device platform's hardware devices (software
// devices are never GPUs), numbered so:
//
//   - Devices that report a CUDA device number (NVIDIA's
//     EGL_NV_device_cuda, eglQueryDeviceAttribEXT(EGL_CUDA_DEVICE_NV))
//     come first, in CUDA's order. The NVIDIA driver numbers them as CUDA
//     does in the process, after CUDA_VISIBLE_DEVICES, and gives no number
//     to a GPU the list hides: GPU 0 is the first visible CUDA device, and
//     hidden GPUs are left out. A driver that numbers every GPU despite
//     the list (more numbered devices than the list names) gets the list
//     applied here: GPU i is the device numbered by its entry i. A list
//     of UUIDs cannot be applied that way; the notes say so.
//   - Other hardware devices (Mesa's AMD and Intel devices) follow, in
//     EGL's order. When CUDA_VISIBLE_DEVICES is set but no device offers
//     EGL_NV_device_cuda, the notes say that the GPUs are numbered in
//     EGL's order.
//
// A chosen GPU is opened or New fails, on one line that lists the GPUs
// found; it never falls back to another device. Without a choice, the
// GPUs are tried in order before the other routes. TestNumberGPUs checks
// the numbering on made-up machines.
//
// # Faults and time limits
//
// A device fault gives an error, never silently wrong numbers. The
// context is asked for with a lose-context-on-reset notification strategy
// where EGL offers it (EGL 1.5 or EGL_KHR_create_context, else
// EGL_EXT_create_context_robustness; the notes say when a driver gave
// none), and Sync, Download, Alloc and Timed read
// glGetGraphicsResetStatus. A reset, GL_CONTEXT_LOST, and GL_OUT_OF_MEMORY
// met by a queued op (after which OpenGL's state is undefined; at Alloc
// it is an ordinary error) leave the device unusable: the fault is
// reported, wrapping backend.ErrDeviceLost, by the call that met it and
// then by every later Sync, Download, Alloc and Timed; the worker issues
// no more GL work, and Close frees what is left.
//
// A hung GPU has no watchdog on a headless server, so every wait is
// bounded: a fence (Sync, Close, Timed, and Download, which fences before
// reading back) waits at most the device's time limit, backend.Options.Timeout,
// else GLNN_GL_TIMEOUT (a duration such as 90s, or off), else 60s; past
// it the call returns "gl: Sync: the GPU did not finish within 60s (…)"
// and the device is unusable. A driver call that does not return at all
// is bounded on the caller's side (queue.go): the caller waits for the
// worker only while its current command has run for less than the limit
// plus a grace period (the limit, at least a second); past that the
// waiting call returns the same kind of error, later commands are
// dropped, later calls return at once, and Close returns after a moment,
// leaving the context and the worker to the driver (they are freed if it
// ever returns). The fault tests inject a reset status, a GL error, a
// fence that never signals and a stalled driver call through a test hook
// (worker.inject) that the real detection code then handles.
//
// # Threading
//
// A GL context is current on one OS thread, and GL calls from any other
// thread silently do nothing. Each Device therefore owns one goroutine,
// locked to its OS thread, that makes the context and then executes a
// queue of commands (queue.go), building each shader program the first
// time a command needs it (a compile error is then reported like any
// deferred error; TestAllProgramsBuild builds every one). Ops
// validate their arguments on the caller's goroutine (shape misuse panics
// there, with the op name and shapes), enqueue a small command value on a
// buffered channel and return at once. Upload copies the caller's slice
// before returning (large slices are written before it returns instead).
// Alloc, Download, Sync and Close wait for their answer, which also waits
// for every op queued before them. Errors met by queued ops (GL errors,
// debug-output errors, a bad Gather row, faults) are deferred to the next
// Download, Sync or Close. A Device must be used from one goroutine at a
// time, as backend.Device requires; several Devices may be used
// concurrently.
//
// The files follow that split: device.go is the API (New, Info, Alloc,
// Upload, Download, Release, Sync, Close), queue.go the command queue and
// its goroutine, resources.go the GL objects that goroutine owns,
// faults.go the faults it detects, egl.go and egldevices.go the EGL
// routes, gpus.go the GPU numbering, version.go the version rule,
// config.go the settings,
// barriers.go every GL call that touches buffer storage, and one file per
// op family, named as in package cpu and mirroring package shaders.
// specs.go (the table of programs), gemmplan.go (the choice of GEMM
// kernel), gpus.go, version.go and config.go need no cgo, so tests check
// them without a GL context.
//
// # Fusion
//
// Some ops run as part of the one before (fuse.go): the device holds a
// MatMul's last dispatch, or a small loss's, back on the caller's side
// instead of sending it. An AddBias(y, y, bias, act) or an
// ActivationGrad(dy, dy, …) on the product just computed becomes the
// product's epilogue (bias, activation or its gradient applied to each
// output on its way to memory), and a CountCorrect on the loss's
// predictions and targets becomes part of the loss's dispatch. Any other
// op, and Sync, Download, Alloc, Release or Close, sends the held command
// first, unchanged, so ops still run in call order. A training step of the
// reference model (Dense(128, relu) → Dense(10, softmax), Adam) takes 11
// dispatches, down from 17 (TestCommandStream).
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
// whole rows, and every other op panics on them. Info().MaxOpBytes
// reports the limit, so that package nn refuses a model whose tensors
// exceed it with one error from Compile (or Fit, for a batch) before
// allocating anything. Fill is glClearNamedBufferSubData. LiveBuffers
// counts tensors; the device's own scratch and error-flag buffers are not
// counted.
//
// GLSL 4.30 has no float atomics, so losses, correct counts and SumRows are
// reduced deterministically, in a fixed order, and nothing returns to the
// host. A loss or CountCorrect over at most 16384 values runs as one work
// group that walks every row and adds its total to the 1×1 accumulator
// itself (groupSum in rows.glsl); larger ones write one value per row into
// a device scratch buffer, and a second dispatch sums those in one work
// group. Row-wise kernels (softmax, its gradient, the losses, arg-max) run
// one invocation per row for rows of up to 64 values and a work group of 64
// per row, reducing in shared memory, for wider rows (rows.glsl). Softmax
// and cross-entropy subtract the row maximum and use log-sum-exp.
//
// Element-wise shaders choose their activation at compile time (one
// program per activation kind), since CPU emulations such as llvmpipe
// execute both sides of every if; and when the element count is a multiple
// of 4 they run on vec4s, which halves llvmpipe's time (its cost is per
// load, not per float) and gives GPUs wider loads. Gather does the same
// for rows of a multiple of 4 values.
//
// # GEMM
//
// MatMul's kernel is a pure function of the shape and the kind of device
// (planGemm, gemmplan.go), so tests check the choice for GPUs on any
// machine. Every kernel keeps a block of outputs per invocation in
// registers and reads transposed operands in place (transposes, tiles and
// epilogues are compile-time variants of gemm.comp):
//
//   - GPUs get a shared-memory kernel: a work group stages BM×BK and BK×BN
//     slices of the operands in shared memory, and each invocation
//     accumulates TM×TN outputs from them. The tile is the largest of
//     128×128 (8×8 per invocation), 64×64 and 32×32 (4×4) that still gives
//     256 work groups, two per multiprocessor of the largest GPUs (132 on
//     an H100 or H200). When even 32×32 tiles give fewer and the product is
//     large and deep enough (m·n·k ≥ 2²⁰, k ≥ 256), K is split: work
//     group z computes the product over one slice of K into scratch
//     memory, and a second dispatch sums the slices in order and applies
//     the epilogue. The forward product of a dense layer on a batch of 32,
//     32×128×784, runs as 4 tiles × 49 slices = 196 work groups instead of
//     4.
//   - Software renderers, where a barrier switches between every
//     invocation of the group and shared memory is ordinary memory, get a
//     kernel without shared memory: each invocation reads its rows and
//     columns through the cache. When K, and the operands' contiguous
//     dimensions, are multiples of 4 (and the 16×128 blocks do not pad the
//     product by more than half) each of 8 invocations computes 16×16
//     outputs from vec4 loads (on llvmpipe with 2 cores: about 25 GFLOP/s
//     at 1024³ against 9 for the scalar form); otherwise 8×8 invocations
//     compute 8×8 outputs each from scalar loads.
//
// # Timing
//
// Device.Timed runs a function that calls ops and reports the GPU time of
// their commands (GL_TIME_ELAPSED and GL_TIMESTAMP queries around them)
// next to the wall time, for benchmarks.
package gl
