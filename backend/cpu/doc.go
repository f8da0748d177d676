// Package cpu is glnn's pure-Go compute backend: a backend.Device that runs
// every op on the host CPU, with no cgo, so that CGO_ENABLED=0 builds work
// everywhere.
//
// Importing the package registers it under the name "cpu":
//
//	import _ "github.com/glnn/glnn/backend/cpu"
//
//	dev, err := backend.Open("cpu", backend.Options{})
//
// or it can be opened directly with New.
//
// Tensors live in ordinary Go memory ([]float32). Ops are synchronous: each
// returns when its result is written, so Sync has nothing to wait for.
//
// Work is spread over a persistent pool of worker goroutines created by New
// and stopped by Close (Options.Threads workers, default GOMAXPROCS; the
// calling goroutine is one of them). Small ops run inline on the caller;
// large ones are split into ranges of rows, columns or output tiles. No op
// allocates on the Go heap in steady state.
//
// Matrix multiplication is a blocked GEMM in the style of Goto and van de
// Geijn: op(A) and op(B) are cut into panels that are packed into
// per-worker buffers (transposes are handled by the packing, never
// materialised) or, where their layout already suits, read in place, and
// a register-tiled micro-kernel computes each small block of C (see
// microKernel). On amd64 the micro-kernel is written in assembly,
// generated with avo by internal/asmgen (a module of its own, run by go
// generate): an 8×32 AVX-512 kernel (with a 16×16 one for products at
// most 16 columns wide, which 8×32 would mostly pad) and a 6×16 AVX2+FMA
// kernel. New picks
// the fastest one the CPU supports, and a portable Go kernel everywhere
// else; Options.Kernel or the GLNN_CPU_KERNEL environment variable
// ("avx512", "avx2" or "go") force one, and Info().Name says which runs.
//
// A MatMul runs when the next op is called, so that a SumRows of its
// product and a Dense layer's bias and activation (AddBias in place) can
// run in the GEMM's epilogue, on each tile of the product while it is in
// the cache of the worker that computed it (fuse.go). The row-wise ops
// that the reference model runs every step (AddBias, SumRows, Softmax,
// the optimizers) have AVX or AVX-512 row kernels beside their Go loops.
package cpu
