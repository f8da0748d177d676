//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// SumRows computes dst (1×cols) = Σ over rows of src. Hardware sums 8
// row lanes per column in shared memory; software renderers, where
// barriers are costly, one invocation per column.
func (d *Device) SumRows(dst, src *backend.Tensor) {
	d.tr.SumRows(dst, src)
	defer d.tr.Exit()
	db, sb := d.arg("SumRows", dst), d.arg("SumRows", src)
	switch {
	case src.Cols() == 0:
	case src.Rows() == 0:
		d.fill(dst, 0)
	case d.softwareKernels():
		d.dispatch(progKey{fam: famSumRowsSerial}, d.rowGroups(src.Cols(), 64), []binding{db, sb},
			[]uint32{uint32(src.Rows()), uint32(src.Cols())}, nil)
	default:
		d.dispatch(progKey{fam: famSumRows}, d.rowGroups(src.Cols(), 32), []binding{db, sb},
			[]uint32{uint32(src.Rows()), uint32(src.Cols())}, nil)
	}
}

// scratch is the binding of the device's scratch buffer, n floats.
func scratch(n int) binding { return binding{name: scratchBuf, size: 4 * n} }

// sumInto enqueues acc[0] += Σ scratch[0..n).
func (d *Device) sumInto(acc binding, n int) {
	d.send(&command{
		op: opDispatch, prog: progKey{fam: famSumScalar}, nbufs: 2,
		bufs:    [maxBindings]binding{acc, scratch(n)},
		u:       [maxUints]uint32{uint32(n)},
		groups:  [3]uint32{1, 1, 1},
		scratch: uint32(n),
	})
}
