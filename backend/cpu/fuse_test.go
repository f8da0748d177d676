package cpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// TestFusedEpilogue checks MatMul followed by SumRows of the product and
// AddBias on it in place, the sequence that runs in the GEMM's epilogue,
// against the same ops run apart (a Sync after the MatMul stops the
// fusion): the biased, activated product must have the same bits, and
// both column sums must match a float64 reference. It runs every kernel
// this CPU has, one to three workers, shapes with partial tiles and
// empty dimensions, and activations with and without vector paths; and
// AddBias alone, and SumRows alone (the product then runs at the next
// op, unbiased).
func TestFusedEpilogue(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	acts := []backend.Activation{backend.Identity, backend.ReLU, backend.LeakyReLU(0.2), backend.GELU, backend.Tanh}
	shapes := [][3]int{{1, 1, 1}, {5, 3, 7}, {37, 45, 29}, {64, 10, 128}, {300, 130, 200}, {7, 0, 5}, {6, 9, 0}, {0, 4, 3}}
	for _, kern := range cpu.Kernels() {
		for _, threads := range threadCounts {
			d := openKernel(t, threads, kern)
			for _, sh := range shapes {
				m, n, k := sh[0], sh[1], sh[2]
				a, b := uniform(rng, m*k, -1, 1), uniform(rng, k*n, -1, 1)
				bias := uniform(rng, n, -0.5, 0.5)
				z := make([]float64, m*n) // the product in float64
				colSum := make([]float64, n)
				for i := range m {
					for j := range n {
						for p := range k {
							z[i*n+j] += float64(a[i*k+p]) * float64(b[p*n+j])
						}
						colSum[j] += z[i*n+j]
					}
				}
				sumScale := make([]float64, n)
				for j := range sumScale {
					sumScale[j] = float64(max(m, 1) * max(k, 1))
				}
				for _, act := range acts {
					name := fmt.Sprintf("%s threads=%d %dx%dx%d %v", kern, threads, m, n, k, act)
					run := func(fuse, sums, addBias bool) (c, s []float32) {
						ta, tb, tc, ts, tbias := alloc(t, d, m, k, a), alloc(t, d, k, n, b), alloc(t, d, m, n, nil), alloc(t, d, 1, n, nil), alloc(t, d, 1, n, bias)
						defer release(d, ta, tb, tc, ts, tbias)
						before := cpu.Fused(d)
						d.MatMul(tc, ta, tb, backend.NoTrans, backend.NoTrans)
						if !fuse {
							if err := d.Sync(); err != nil {
								t.Fatal(err)
							}
						}
						if sums {
							d.SumRows(ts, tc)
						}
						if addBias {
							d.AddBias(tc, tc, tbias, act)
						}
						c, s = backendtest.Download(t, d, tc), backendtest.Download(t, d, ts)
						want := 0
						if fuse {
							want = btoi(sums) + btoi(addBias)
						}
						if got := cpu.Fused(d) - before; got != want {
							t.Fatalf("%s fuse=%v sums=%v bias=%v: %d ops ran in the epilogue, want %d", name, fuse, sums, addBias, got, want)
						}
						return c, s
					}
					fc, fs := run(true, true, true)
					pc, ps := run(false, true, true)
					sameBits(t, name+": biased product, fused vs apart", fc, pc)
					near(t, name+": fused column sums", fs, colSum, sumScale, 1e-6)
					near(t, name+": column sums apart", ps, colSum, sumScale, 1e-6)
					fc, _ = run(true, false, true)
					sameBits(t, name+": AddBias alone, fused vs apart", fc, pc)
					fc, fs = run(true, true, false)
					near(t, name+": SumRows alone, column sums", fs, colSum, sumScale, 1e-6)
					near(t, name+": SumRows alone, unbiased product", fc, z, nil, 1e-5)
				}
			}
		}
	}
}

// TestHeldMatMulRunsFirst checks that a held MatMul runs before any op
// that could see or change what it reads or writes: after MatMul(c, a, b)
// (and a SumRows of c that joins it), each op below overwrites a or b, or
// reads c, and c and the sums must still be a·b and its column sums, bit
// for bit as when the product runs at once.
func TestHeldMatMulRunsFirst(t *testing.T) {
	const m, n, k = 40, 24, 33
	rng := rand.New(rand.NewPCG(1, 12))
	a0, b0 := uniform(rng, m*k, -1, 1), uniform(rng, k*n, -1, 1)
	for _, threads := range threadCounts {
		d := open(t, threads)
		ops := []struct {
			name string
			op   func(a, b, c, s *backend.Tensor)
		}{
			{"Fill a", func(a, _, _, _ *backend.Tensor) { d.Fill(a, 7) }},
			{"Upload b", func(_, b, _, _ *backend.Tensor) { d.Upload(b, make([]float32, k*n)) }},
			{"Copy into a", func(a, _, c, _ *backend.Tensor) { d.Copy(a.View(n, k), c.View(n, k)) }},
			{"Gather into a", func(a, b, _, _ *backend.Tensor) {
				idx := alloc(t, d, 1, 1, []float32{0})
				defer d.Release(idx)
				d.Gather(a.View(1, k), b.View(k, n).View(1, k), idx, 0)
			}},
			{"Activate a in place", func(a, _, _, _ *backend.Tensor) { d.Activate(a, a, backend.Tanh) }},
			{"AddBias on a", func(a, _, _, _ *backend.Tensor) {
				bias := alloc(t, d, 1, k, filled(k, 1))
				defer d.Release(bias)
				d.AddBias(a, a, bias, backend.Identity)
			}},
			{"SGD on b", func(_, b, _, _ *backend.Tensor) {
				g := alloc(t, d, k, n, filled(k*n, 1))
				defer d.Release(g)
				d.SGD(b, g, nil, backend.SGDParams{LearningRate: 0.5})
			}},
			{"MatMul into a", func(a, b, _, _ *backend.Tensor) {
				d.MatMul(a.View(k, k), b.View(k, 1), b.View(1, k), backend.NoTrans, backend.NoTrans)
			}},
			{"Activate of c", func(_, _, c, _ *backend.Tensor) {
				y := alloc(t, d, m, n, nil)
				defer d.Release(y)
				d.Activate(y, c, backend.ReLU)
			}},
			{"SoftmaxCrossEntropy of c", func(_, _, c, _ *backend.Tensor) {
				tg, g, l := alloc(t, d, m, n, filled(m*n, 1/float32(n))), alloc(t, d, m, n, nil), alloc(t, d, 1, 1, nil)
				defer release(d, tg, g, l)
				d.SoftmaxCrossEntropy(g, l, c, tg)
			}},
			{"Sync", func(_, _, _, _ *backend.Tensor) { d.Sync() }},
		}
		// The reference: the product run at once.
		ta, tb, tc, ts := alloc(t, d, m, k, a0), alloc(t, d, k, n, b0), alloc(t, d, m, n, nil), alloc(t, d, 1, n, nil)
		d.MatMul(tc, ta, tb, backend.NoTrans, backend.NoTrans)
		d.SumRows(ts, tc)
		wantC, wantS := backendtest.Download(t, d, tc), backendtest.Download(t, d, ts)
		release(d, ta, tb, tc, ts)
		for _, o := range ops {
			ta, tb, tc, ts := alloc(t, d, m, k, a0), alloc(t, d, k, n, b0), alloc(t, d, m, n, nil), alloc(t, d, 1, n, nil)
			d.MatMul(tc, ta, tb, backend.NoTrans, backend.NoTrans)
			d.SumRows(ts, tc)
			o.op(ta, tb, tc, ts)
			sameBits(t, fmt.Sprintf("threads=%d %s: c", threads, o.name), backendtest.Download(t, d, tc), wantC)
			sameBits(t, fmt.Sprintf("threads=%d %s: column sums", threads, o.name), backendtest.Download(t, d, ts), wantS)
			release(d, ta, tb, tc, ts)
		}
		// Release and Close run it too: into adopted memory, the caller's.
		for _, end := range []string{"Release", "Close"} {
			host := make([]float32, m*n)
			dd := d
			if end == "Close" {
				var err error
				if dd, err = cpu.New(backend.Options{Threads: threads}); err != nil {
					t.Fatal(err)
				}
			}
			ta, tb := alloc(t, dd, m, k, a0), alloc(t, dd, k, n, b0)
			tc, err := dd.Adopt(m, n, host)
			if err != nil {
				t.Fatal(err)
			}
			dd.MatMul(tc, ta, tb, backend.NoTrans, backend.NoTrans)
			if end == "Release" {
				dd.Release(tc)
				release(dd, ta, tb)
			} else if err := dd.Close(); err != nil {
				t.Fatal(err)
			}
			sameBits(t, fmt.Sprintf("threads=%d %s: adopted c", threads, end), host, wantC)
		}
	}
}

// alloc returns a rows×cols tensor holding v (zeros when v is nil).
// TestFusionKeepsOrder checks the sequence MatMul(c), SumRows(s, c),
// AddBias(c, c, s): the bias is the sums, which the epilogue would write
// only after the tiles had read the bias, so the AddBias must not join;
// c must be the product plus its column sums.
func TestFusionKeepsOrder(t *testing.T) {
	const m, n, k = 50, 20, 30
	rng := rand.New(rand.NewPCG(2, 2))
	a, b := uniform(rng, m*k, -1, 1), uniform(rng, k*n, -1, 1)
	want := make([]float64, m*n)
	for j := range n {
		col := make([]float64, m)
		var s float64
		for i := range m {
			for p := range k {
				col[i] += float64(a[i*k+p]) * float64(b[p*n+j])
			}
			s += col[i]
		}
		for i := range m {
			want[i*n+j] = col[i] + s
		}
	}
	for _, threads := range threadCounts {
		d := open(t, threads)
		ta, tb, tc, ts := alloc(t, d, m, k, a), alloc(t, d, k, n, b), alloc(t, d, m, n, nil), alloc(t, d, 1, n, nil)
		d.MatMul(tc, ta, tb, backend.NoTrans, backend.NoTrans)
		d.SumRows(ts, tc)
		d.AddBias(tc, tc, ts, backend.Identity)
		near(t, fmt.Sprintf("threads=%d: c + its column sums", threads), backendtest.Download(t, d, tc), want, nil, 1e-4)
		release(d, ta, tb, tc, ts)
	}
}

func alloc(t testing.TB, d *cpu.Device, rows, cols int, v []float32) *backend.Tensor {
	t.Helper()
	if v == nil {
		v = make([]float32, rows*cols)
	}
	return backendtest.Upload(t, d, rows, cols, v)
}

func sameBits(t testing.TB, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, got[i], want[i])
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
