package cpu

import "github.com/glnn/glnn/backend"

// CountCorrect adds to correct[0] the number of rows whose arg-max in pred
// equals the arg-max in targets (first index on ties).
func (d *Device) CountCorrect(correct, pred, targets *backend.Tensor) {
	d.tr.CountCorrect(correct, pred, targets)
	defer d.tr.Exit()
	d.flush()
	t := &d.count
	t.p, t.t, t.cols = mem(pred), mem(targets), pred.Cols()
	t.grain = d.rowGrain(pred.Rows(), pred.Cols(), minCheap)
	t.cnt = d.counts
	clear(t.cnt)
	d.pool.parallelFor(t, pred.Rows(), t.grain)
	n := 0
	for _, c := range t.cnt {
		n += c
	}
	out := mem(correct)
	out[0] += float32(n)
	t.p, t.t = nil, nil
}

type countTask struct {
	p, t  []float32
	cols  int
	grain int
	cnt   []int
}

func (t *countTask) run(_, lo, hi int) {
	n, c := t.cols, 0
	for r := lo; r < hi; r++ {
		if argMax(t.p[r*n:r*n+n]) == argMax(t.t[r*n:r*n+n]) {
			c++
		}
	}
	t.cnt[lo/t.grain] += c
}

// argMax returns the index of the first maximum of x (0 for an empty x;
// NaNs never win).
func argMax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}

// ArgMax writes into dst (rows×1) the column index of each row's first
// maximum in src, as a float32.
func (d *Device) ArgMax(dst, src *backend.Tensor) {
	d.tr.ArgMax(dst, src)
	defer d.tr.Exit()
	d.flush()
	out, x, n := mem(dst), mem(src), src.Cols()
	for r := range out {
		out[r] = float32(argMax(x[r*n : r*n+n]))
	}
}
