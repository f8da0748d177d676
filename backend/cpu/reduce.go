package cpu

import "github.com/glnn/glnn/backend"

// Minimum work per chunk before an op is split over workers, in elements:
// cheap loops (a few flops per element, bound by memory) need more of them
// to pay for waking a worker than loops that call exp or tanh.
const (
	minCheap     = 1 << 15
	minExpensive = 1 << 12
)

// rowGrain returns the chunk size, in rows of cols elements, for a row-wise
// op with at least minElems elements per chunk.
func (d *Device) rowGrain(rows, cols, minElems int) int {
	return d.pool.grainFor(rows, max(1, minElems/max(cols, 1)))
}

// SumRows computes dst (1×cols) = Σ over rows of src, accumulating in
// float64. On the product of the MatMul just before it, it runs in that
// product's epilogue (see fuse.go).
func (d *Device) SumRows(dst, src *backend.Tensor) {
	d.tr.SumRows(dst, src)
	defer d.tr.Exit()
	if d.fuseSumRows(dst, src) {
		return
	}
	d.flush()
	d.sumRowsOf(mem(dst), mem(src), src.Rows(), src.Cols())
}

// sumRowsOf is SumRows on rows×cols values, split over the workers by
// columns, each column summed in row order.
func (d *Device) sumRowsOf(dst, src []float32, rows, cols int) {
	t := &d.sumRows
	t.dst, t.src, t.acc = dst, src, grow(&d.colAcc, cols)
	t.rows, t.cols = rows, cols
	minCols := max(1, minCheap/max(rows, 1))
	d.pool.parallelFor(t, cols, d.pool.grainFor(cols, minCols))
	t.dst, t.src = nil, nil
}

type sumRowsTask struct {
	dst, src   []float32
	acc        []float64
	rows, cols int
}

// run sums columns [lo, hi).
func (t *sumRowsTask) run(_, lo, hi int) {
	acc := t.acc[lo:hi]
	clear(acc)
	sumColumns(acc, t.src[lo:], t.rows, t.cols)
	dst := t.dst[lo:hi]
	for j, s := range acc {
		dst[j] = float32(s)
	}
}

// sumColumns adds rows rows of len(acc) values of src (row stride ld) to
// acc in float64: the vector kernel takes what it can, the Go loop the
// rest, each column in row order (so the bits do not depend on which did
// it).
func sumColumns(acc []float64, src []float32, rows, ld int) {
	done := sumRowsVector(acc, src, rows, ld)
	n := len(acc)
	for r := 0; r < rows; r++ {
		row := src[r*ld+done : r*ld+n]
		a := acc[done:n]
		for j, v := range row {
			a[j] += float64(v)
		}
	}
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
