package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
)

// kernels lists every micro-kernel the package may select; a new one (an
// assembly kernel, say) is added here so that it is held to the contract.
var kernels = []microKernel{kernelGo2x4}

// refKernel returns a plain-loop kernel of any shape: it checks the
// contract's packed layout and lets the GEMM's packing and edge handling be
// tested with tile shapes other than the production kernel's.
func refKernel(mr, nr int) microKernel {
	return microKernel{name: fmt.Sprintf("ref-%dx%d", mr, nr), mr: mr, nr: nr,
		fn: func(kc int, a, b, c []float32, ldc int, accumulate bool) {
			for i := 0; i < mr; i++ {
				for j := 0; j < nr; j++ {
					var s float32
					for p := 0; p < kc; p++ {
						s += a[p*mr+i] * b[p*nr+j]
					}
					if accumulate {
						c[i*ldc+j] += s
					} else {
						c[i*ldc+j] = s
					}
				}
			}
		}}
}

// TestMicroKernels checks each kernel against the contract directly: the
// packed layout, every kc from 1 to 19 (any remainder of an unrolled loop)
// and a long one, a row stride larger than nr, accumulate on and off, and
// that c outside the block is untouched.
func TestMicroKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, k := range append(kernels, refKernel(3, 5)) {
		for _, kc := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 19, 256} {
			for _, acc := range []bool{false, true} {
				mr, nr, ldc := k.mr, k.nr, k.nr+3
				a := make([]float32, kc*mr)
				b := make([]float32, kc*nr)
				for i := range a {
					a[i] = float32(rng.Float64()*2 - 1)
				}
				for i := range b {
					b[i] = float32(rng.Float64()*2 - 1)
				}
				c := make([]float32, mr*ldc)
				c0 := make([]float32, len(c))
				for i := range c {
					c0[i] = float32(rng.Float64())
					if !acc && i%ldc < nr {
						c0[i] = float32(math.NaN()) // must not be read
					}
				}
				copy(c, c0)
				k.fn(kc, a, b, c, ldc, acc)
				for i := 0; i < mr; i++ {
					for j := 0; j < ldc; j++ {
						got := c[i*ldc+j]
						if j >= nr {
							if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
								t.Errorf("%s kc=%d: c[%d][%d] outside the block changed", k.name, kc, i, j)
							}
							continue
						}
						var want, scale float64
						for p := 0; p < kc; p++ {
							v := float64(a[p*mr+i]) * float64(b[p*nr+j])
							want += v
							scale += math.Abs(v)
						}
						if acc {
							want += float64(c0[i*ldc+j])
							scale += math.Abs(float64(c0[i*ldc+j]))
						}
						if err := math.Abs(float64(got) - want); !(err <= 1e-5*math.Sqrt(float64(kc))*scale+1e-30) {
							t.Errorf("%s kc=%d accumulate=%v: c[%d][%d] = %g, want %g", k.name, kc, acc, i, j, got, want)
						}
					}
				}
			}
		}
	}
}

// TestGEMMOtherTiles runs whole products through the blocking and packing
// with reference kernels of other tile shapes (including mr = 1 and wide
// nr), so the generic packing paths and edge tiles are exercised.
func TestGEMMOtherTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for _, k := range []microKernel{refKernel(1, 1), refKernel(3, 5), refKernel(4, 8), refKernel(6, 16)} {
		for _, threads := range []int{1, 3} {
			d, err := New(backend.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			d.kern = k
			for _, s := range [][3]int{{1, 1, 1}, {7, 33, 5}, {129, 65, 31}, {33, 1, 300}, {70, 300, 9}} {
				m, n, kk := s[0], s[1], s[2]
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					a := make([]float32, m*kk)
					b := make([]float32, kk*n)
					for i := range a {
						a[i] = float32(rng.Float64()*2 - 1)
					}
					for i := range b {
						b[i] = float32(rng.Float64()*2 - 1)
					}
					c := make([]float32, m*n)
					for i := range c {
						c[i] = 1
					}
					d.gemm(c, a, b, m, n, kk, tr[0], tr[1], true)
					for i := 0; i < m; i++ {
						for j := 0; j < n; j++ {
							want, scale := 1.0, 1.0
							for p := 0; p < kk; p++ {
								av, bv := a[i*kk+p], b[p*n+j]
								if tr[0] {
									av = a[p*m+i]
								}
								if tr[1] {
									bv = b[j*kk+p]
								}
								want += float64(av) * float64(bv)
								scale += math.Abs(float64(av) * float64(bv))
							}
							if err := math.Abs(float64(c[i*n+j]) - want); !(err <= 1e-5*math.Sqrt(float64(kk))*scale) {
								t.Fatalf("%s threads=%d %dx%dx%d trans=%v: c[%d][%d] = %g, want %g", k.name, threads, m, n, kk, tr, i, j, c[i*n+j], want)
							}
						}
					}
				}
			}
			d.Close()
		}
	}
}
