// Command asmgen writes the amd64 assembly of the CPU backend: the GEMM's
// AVX-512 and AVX2 micro-kernels, the 8×8 transpose and the row copies
// used by its packing, and the AVX optimizer steps. It is run by go generate in backend/cpu:
//
//	go -C internal/asmgen run . -out ../../kernel_amd64.s -stubs ../../kernel_amd64.go -pkg cpu
//
// It is a module of its own so that the backend does not depend on avo.
package main

import (
	. "github.com/mmcloughlin/avo/build"
)

func main() {
	ConstraintExpr("amd64")
	for _, k := range kernels {
		k.generate()
	}
	transpose8()
	for _, w := range copyWidths {
		copyRows(w)
	}
	optimizerKernels()
	Generate()
}
