//go:build !amd64

package cpu

// hasAsmKernels reports whether this architecture has assembly kernels.
const hasAsmKernels = false

// kernelTable lists the kernels New can select, fastest first: on this
// architecture only the portable one.
var kernelTable = []kernelEntry{goKernel}
