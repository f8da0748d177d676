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
// float64.
func (d *Device) SumRows(dst, src *backend.Tensor) {
	d.tr.SumRows(dst, src)
	defer d.tr.Exit()
	cols := src.Cols()
	if cap(d.colAcc) < cols {
		d.colAcc = make([]float64, cols)
	}
	t := &d.sumRows
	t.dst, t.src, t.acc = mem(dst), mem(src), d.colAcc[:cols]
	t.rows, t.cols = src.Rows(), cols
	minCols := max(1, minCheap/max(src.Rows(), 1))
	d.pool.parallelFor(t, cols, d.pool.grainFor(cols, minCols))
	t.dst, t.src = nil, nil
}

type sumRowsTask struct {
	dst, src   []float32
	acc        []float64
	rows, cols int
}

func (t *sumRowsTask) run(_, lo, hi int) {
	acc := t.acc[lo:hi]
	clear(acc)
	for r := 0; r < t.rows; r++ {
		row := t.src[r*t.cols+lo : r*t.cols+hi]
		for j, v := range row {
			acc[j] += float64(v)
		}
	}
	dst := t.dst[lo:hi]
	for j, s := range acc {
		dst[j] = float32(s)
	}
}

func sum(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s
}
