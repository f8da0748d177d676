//go:build !amd64

package cpu

// adamVector and sgdVector have no vector kernel on this architecture:
// the Go loops do all the work.
func adamVector(p, g, m, v []float32, k *optConsts) int { return 0 }

func sgdVector(p, g, vel []float32, k *optConsts) int { return 0 }
