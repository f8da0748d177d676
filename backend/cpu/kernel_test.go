package cpu

import (
	"fmt"
	"github.com/glnn/glnn/backend/backendtest"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// testKernels returns the kernels this CPU runs (with their narrow
// kernels) and reference kernels of other tile shapes, each of which is
// held to the microKernel contract.
func testKernels() []microKernel {
	var ks []microKernel
	for _, k := range hostKernels() {
		ks = append(ks, k)
		if k.narrow != nil {
			ks = append(ks, *k.narrow)
		}
	}
	return append(ks, refKernel(3, 5))
}

// refKernel returns a plain-loop kernel of any shape: it checks the
// contract's layouts and lets the GEMM's packing and edge handling be
// tested with tile shapes other than the production kernels'.
func refKernel(mr, nr int) microKernel {
	return microKernel{name: fmt.Sprintf("ref-%dx%d", mr, nr), mr: mr, nr: nr, mc: 64, nc: 256, kc: 256,
		strided: true, transpose8: transpose8x8, copyRows: copyRows,
		fn: func(kc int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, accumulate bool) {
			for i := 0; i < mr; i++ {
				for j := 0; j < nr; j++ {
					var s float32
					for p := 0; p < kc; p++ {
						s += a[i*rsA+p*csA] * b[p*rsB+j]
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

// kernelLayout is one way of laying out the operands of a kernel call:
// strides of A and B for a given kc (packed panels, or matrices read in
// place with room between their rows).
type kernelLayout struct {
	name          string
	rsA, csA, rsB func(mr, nr, kc int) int
}

var kernelLayouts = []kernelLayout{
	{"packed", func(int, int, int) int { return 1 }, func(mr, _, _ int) int { return mr }, func(_, nr, _ int) int { return nr }},
	{"A-rows-B-rows", func(_, _, kc int) int { return kc + 3 }, func(int, int, int) int { return 1 }, func(_, nr, _ int) int { return nr + 5 }},
	{"A-columns", func(int, int, int) int { return 1 }, func(mr, _, _ int) int { return mr + 7 }, func(_, nr, _ int) int { return nr }},
}

// TestMicroKernels checks each kernel against the contract directly: every
// layout it accepts, every kc from 1 to 19 (any remainder of an unrolled
// loop) and long ones, a row stride of C larger than nr, accumulate on and
// off, that c is not read without accumulate (it holds NaN), that nothing
// of A and B but the block's operands is read (the gaps hold NaN) and that
// c outside the block is untouched.
func TestMicroKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	nan := float32(math.NaN())
	for _, k := range testKernels() {
		for _, l := range kernelLayouts {
			if l.name != "packed" && !k.strided {
				continue
			}
			for kc := 1; kc <= 300; kc += max(1, kc/2) {
				for _, acc := range []bool{false, true} {
					mr, nr, ldc := k.mr, k.nr, k.nr+3
					rsA, csA, rsB := l.rsA(mr, nr, kc), l.csA(mr, nr, kc), l.rsB(mr, nr, kc)
					a := filledF32((mr-1)*rsA+(kc-1)*csA+1, nan)
					b := filledF32((kc-1)*rsB+nr, nan)
					for i := 0; i < mr; i++ {
						for p := 0; p < kc; p++ {
							a[i*rsA+p*csA] = float32(rng.Float64()*2 - 1)
						}
					}
					for p := 0; p < kc; p++ {
						for j := 0; j < nr; j++ {
							b[p*rsB+j] = float32(rng.Float64()*2 - 1)
						}
					}
					c := make([]float32, mr*ldc)
					c0 := make([]float32, len(c))
					for i := range c {
						c0[i] = float32(rng.Float64())
						if !acc && i%ldc < nr {
							c0[i] = nan // must not be read
						}
					}
					copy(c, c0)
					k.fn(kc, a, rsA, csA, b, rsB, c, ldc, acc)
					what := fmt.Sprintf("%s %s kc=%d accumulate=%v", k.name, l.name, kc, acc)
					for i := 0; i < mr; i++ {
						for j := 0; j < ldc; j++ {
							got := c[i*ldc+j]
							if j >= nr {
								if math.Float32bits(got) != math.Float32bits(c0[i*ldc+j]) {
									t.Errorf("%s: c[%d][%d] outside the block changed", what, i, j)
								}
								continue
							}
							var want, scale float64
							for p := 0; p < kc; p++ {
								v := float64(a[i*rsA+p*csA]) * float64(b[p*rsB+j])
								want += v
								scale += math.Abs(v)
							}
							if acc {
								want += float64(c0[i*ldc+j])
								scale += math.Abs(float64(c0[i*ldc+j]))
							}
							if err := math.Abs(float64(got) - want); !(err <= 1e-5*math.Sqrt(float64(kc))*scale+1e-30) {
								t.Fatalf("%s: c[%d][%d] = %g, want %g", what, i, j, got, want)
							}
						}
					}
				}
			}
		}
	}
}

// TestPackHelpers checks each kernel's 8×8 transpose and row copy against
// the definitions, on strides larger than the blocks, and that they write
// nothing else.
func TestPackHelpers(t *testing.T) {
	for _, k := range hostKernels() {
		for _, blocks := range []int{0, 1, 3} {
			const lds, ldd = 37, 11
			src := make([]float32, 8*lds)
			for i := range src {
				src[i] = float32(i)
			}
			dst := filledF32(8*blocks*ldd+8, -1)
			k.transpose8(dst, ldd, src, lds, blocks)
			for r := 0; r < 8*blocks; r++ {
				for x := 0; x < ldd; x++ {
					want := float32(-1)
					if x < 8 {
						want = src[x*lds+r]
					}
					if got := dst[r*ldd+x]; got != want {
						t.Fatalf("%s transpose8 blocks=%d: dst[%d][%d] = %v, want %v", k.name, blocks, r, x, got, want)
					}
				}
			}
		}
		for _, w := range []int{2, 4, 6, 8, 16, 32} {
			const n, lds = 5, 41
			ldd := w + 3
			src := make([]float32, n*lds)
			for i := range src {
				src[i] = float32(i)
			}
			dst := filledF32(n*ldd, -1)
			k.copyRows(dst, ldd, src, lds, n, w)
			for r := 0; r < n; r++ {
				for x := 0; x < ldd; x++ {
					want := float32(-1)
					if x < w {
						want = src[r*lds+x]
					}
					if got := dst[r*ldd+x]; got != want {
						t.Fatalf("%s copyRows w=%d: dst[%d][%d] = %v, want %v", k.name, w, r, x, got, want)
					}
				}
			}
		}
	}
}

// TestGEMMKernels runs whole products through the blocking and packing
// with every kernel: those of this CPU and reference kernels of other
// tile shapes (including mr = 1 and wide nr), with operands packed, read
// in place where the kernel can, and as the GEMM chooses, so that every
// packing path and edge block is exercised.
func TestGEMMKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	var devs []*Device
	for _, k := range append(hostKernels(), refKernel(1, 1), refKernel(3, 5), refKernel(4, 8), refKernel(6, 16), refKernel(8, 32)) {
		for _, threads := range []int{1, 3} {
			d, err := New(backend.Options{Threads: threads})
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			d.kern = k
			devs = append(devs, d)
		}
	}
	// The last two go past one tile in m and n, and one block of k, with
	// the production kernels' blocking; the reference kernels, plain
	// loops, have small blocks and skip them.
	shapes := [][3]int{{1, 1, 1}, {7, 33, 5}, {129, 65, 31}, {33, 1, 300}, {70, 300, 9}, {9, 40, 600}, {40, 70, 1100}, {260, 1030, 20}}
	for si, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			a, b := make([]float32, m*k), make([]float32, k*n)
			for i := range a {
				a[i] = float32(rng.Float64()*2 - 1)
			}
			for i := range b {
				b[i] = float32(rng.Float64()*2 - 1)
			}
			// c starts at 1 and the kernels accumulate: want 1 + op(a)·op(b).
			want, scale := backendtest.MatMulReference(a, b, m, n, k, trans(tr[0]), trans(tr[1]))
			for i := range want {
				want[i]++
				scale[i]++
			}
			for _, d := range devs {
				if si >= len(shapes)-2 && strings.HasPrefix(d.kern.name, "ref") {
					continue
				}
				for _, force := range []packForce{forceNone, forcePack, forceInPlace} {
					d.mm.force = force
					c := filledF32(m*n, 1)
					d.gemm(c, a, b, m, n, k, tr[0], tr[1], true)
					for i, v := range c {
						if err := math.Abs(float64(v) - want[i]); !(err <= 1e-5*math.Sqrt(float64(k))*scale[i]) {
							t.Fatalf("%s threads=%d force=%d %dx%dx%d trans=%v: c[%d][%d] = %g, want %g",
								d.kern.name, d.info.Threads, force, m, n, k, tr, i/n, i%n, v, want[i])
						}
					}
				}
			}
		}
	}
}

func filledF32(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func trans(t bool) backend.Transpose {
	if t {
		return backend.Trans
	}
	return backend.NoTrans
}
