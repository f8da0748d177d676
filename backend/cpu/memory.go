package cpu

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// Fill sets every element of dst to v.
func (d *Device) Fill(dst *backend.Tensor, v float32) {
	d.tr.Fill(dst)
	defer d.tr.Exit()
	d.flush()
	x := mem(dst)
	f := &d.fill
	f.x, f.v = x, v
	d.pool.parallelFor(f, len(x), d.pool.grainFor(len(x), minCheap*2))
	f.x = nil
}

type fillTask struct {
	x []float32
	v float32
}

func (f *fillTask) run(_, lo, hi int) {
	x := f.x[lo:hi]
	if f.v == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] = f.v
	}
}

// Copy copies src into dst, which has the same number of elements.
func (d *Device) Copy(dst, src *backend.Tensor) {
	d.tr.Copy(dst, src)
	defer d.tr.Exit()
	d.flush()
	copy(mem(dst), mem(src))
}

// Gather copies rows of src into dst: row i of dst = row
// indices[offset+i] of src, split over the workers when there is enough
// to copy. A row number that is not a whole number in [0, src.Rows())
// zeroes the row; the next Sync or Download reports backend.ErrBadIndex.
func (d *Device) Gather(dst, src, indices *backend.Tensor, offset int) {
	d.tr.Gather(dst, src, indices, offset)
	defer d.tr.Exit()
	d.flush()
	t := &d.gather
	t.out, t.src = mem(dst), mem(src)
	t.idx = mem(indices)[offset : offset+dst.Rows()]
	t.cols, t.rows = src.Cols(), src.Rows()
	// Rows come from anywhere in src, so a copy waits on memory more than
	// it computes: more hands fetch sooner, even for a batch of 32.
	t.grain = d.rowGrain(dst.Rows(), dst.Cols(), minExpensive)
	t.bad = d.counts // the first bad position of each chunk, or -1
	for i := range t.bad {
		t.bad[i] = -1
	}
	d.pool.parallelFor(t, dst.Rows(), t.grain)
	for _, i := range t.bad {
		if i >= 0 && d.err == nil {
			d.err = fmt.Errorf("cpu: %w (indices[%d] = %g; src %s has %d rows)", backend.ErrBadIndex, offset+i, t.idx[i], src.Shape(), t.rows)
		}
	}
	t.out, t.src, t.idx = nil, nil, nil
}

type gatherTask struct {
	out, src, idx []float32
	cols, rows    int
	grain         int
	bad           []int
}

func (t *gatherTask) run(_, lo, hi int) {
	n := t.cols
	for i := lo; i < hi; i++ {
		f := t.idx[i]
		r := int(f)
		if float32(r) != f || r < 0 || r >= t.rows {
			clear(t.out[i*n : i*n+n])
			if c := lo / t.grain; t.bad[c] < 0 {
				t.bad[c] = i
			}
			continue
		}
		copy(t.out[i*n:i*n+n], t.src[r*n:r*n+n])
	}
}
