// Command asmgen writes the amd64 assembly of the CPU backend: the GEMM's
// AVX-512 and AVX2 micro-kernels, the 8×8 transpose and the row copies
// used by its packing, the AVX optimizer steps, and the row kernels of
// AddBias, Softmax and SumRows. It is run by go generate in backend/cpu:
//
//	go -C internal/asmgen run . -out ../../kernel_amd64.s -stubs ../../kernel_amd64.go -pkg cpu
//
// With -part finite it writes internal/finite's scan for NaN and
// infinities instead (go generate in internal/finite).
//
// It is a module of its own so that the backend does not depend on avo.
package main

import (
	"flag"

	. "github.com/mmcloughlin/avo/build"
)

func main() {
	part := flag.String("part", "cpu", "what to write: cpu (the backend's kernels) or finite (internal/finite's scan)")
	flag.Parse()
	ConstraintExpr("amd64")
	if *part == "finite" {
		finiteKernel()
		Generate()
		return
	}
	for _, k := range kernels {
		k.generate()
	}
	transpose8()
	for _, w := range copyWidths {
		copyRows(w)
	}
	optimizerKernels()
	addBiasAVX()
	softmaxRowsAVX512()
	sumRowsAVX()
	sumRowsAVX512()
	Generate()
}
