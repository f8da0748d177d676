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
// Matrix multiplication is a blocked, packed GEMM in the style of Goto and
// van de Geijn: panels of op(A) and op(B) are packed (transposes are
// handled by the packing, never materialised) into per-worker buffers, and
// a register-tiled micro-kernel computes each small block of C from the
// packed panels. The micro-kernel is selected through a table entry with a
// documented packed-data contract (see microKernel), so a vector kernel in
// assembly can replace the portable Go one.
package cpu
