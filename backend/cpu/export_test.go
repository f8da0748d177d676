package cpu

// Kernels returns the names of the GEMM kernels this CPU runs, fastest
// first, for the external tests to open a device with each.
func Kernels() []string {
	var names []string
	for _, k := range hostKernels() {
		names = append(names, k.name)
	}
	return names
}

// hostKernels returns the kernels this CPU runs.
func hostKernels() []microKernel {
	var ks []microKernel
	for _, e := range kernelTable {
		if e.missing(hostFeatures()) == "" {
			ks = append(ks, e.kern)
		}
	}
	return ks
}

// Fused returns how many ops d has run in a product's epilogue.
func Fused(d *Device) int { return d.fused }
