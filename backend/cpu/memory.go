package cpu

import (
	"fmt"

	"github.com/glnn/glnn/backend"
)

// Fill sets every element of dst to v.
func (d *Device) Fill(dst *backend.Tensor, v float32) {
	d.tr.Fill(dst)
	defer d.tr.Exit()
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
	copy(mem(dst), mem(src))
}

// Gather copies rows of src into dst: row i of dst = row
// indices[offset+i] of src. A row number that is not a whole number in
// [0, src.Rows()) zeroes the row; the next Sync or Download reports
// backend.ErrBadIndex.
func (d *Device) Gather(dst, src, indices *backend.Tensor, offset int) {
	d.tr.Gather(dst, src, indices, offset)
	defer d.tr.Exit()
	out, x := mem(dst), mem(src)
	idx := mem(indices)[offset : offset+dst.Rows()]
	n, rows := src.Cols(), src.Rows()
	for i, f := range idx {
		r := int(f)
		if float32(r) != f || r < 0 || r >= rows {
			clear(out[i*n : i*n+n])
			if d.err == nil {
				d.err = fmt.Errorf("cpu: %w (indices[%d] = %g; src %s has %d rows)", backend.ErrBadIndex, offset+i, f, src.Shape(), rows)
			}
			continue
		}
		copy(out[i*n:i*n+n], x[r*n:r*n+n])
	}
}
