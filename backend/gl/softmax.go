//go:build cgo

package gl

// Row-wise kernels (softmax.comp, loss.comp, argmax.comp) run one
// invocation per row for narrow rows and a work group per row for wide
// ones; Activate and ActivationGrad use them for Softmax.

// rowwise enqueues a row-wise kernel (one of the G=1/G=64 pairs) over a
// rows×cols matrix; rows > 0.
func (d *Device) rowwise(prog progID, rows, cols int, bufs ...binding) {
	off, rpg := rowVariant(cols)
	c := command{
		op: opDispatch, prog: prog + off, nbufs: uint8(len(bufs)),
		u:       [maxUints]uint32{uint32(rows), uint32(cols)},
		groups:  [3]uint32{d.rowGroups(rows, rpg), 1, 1},
		scratch: uint32(rows),
	}
	copy(c.bufs[:], bufs)
	d.send(&c)
}
