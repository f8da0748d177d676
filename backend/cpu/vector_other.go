//go:build !amd64

package cpu

// hasAVX and hasAVX512 stay false: there are no AVX kernels here.
var hasAVX, hasAVX512 = false, false

// adamVector, sgdVector, addBiasVector, softmaxVector and sumRowsVector
// have no vector kernel on this architecture: the Go loops do all the work.
func adamVector(p, g, m, v []float32, k *optConsts) int { return 0 }

func sgdVector(p, g, vel []float32, k *optConsts) int { return 0 }

func addBiasVector(y, x, b []float32, relu bool) int { return 0 }

func softmaxVector(y, x []float32, rows, cols int) bool { return false }

func sumRowsVector(acc []float64, src []float32, rows, ld int) int { return 0 }
