//go:build cgo

package gl

// Row-wise kernels (softmax.comp, loss.comp, argmax.comp) run one
// invocation per row for narrow rows and a work group per row for wide
// ones; Activate and ActivationGrad use them for Softmax.

// rowwise enqueues a row-wise kernel (its G=1 or G=64 form) over a
// rows×cols matrix; rows > 0.
func (d *Device) rowwise(fam family, rows, cols int, bufs ...binding) {
	k, rpg := rowKey(fam, cols)
	c := command{
		op: opDispatch, prog: k, nbufs: uint8(len(bufs)),
		u:       [maxUints]uint32{uint32(rows), uint32(cols)},
		groups:  [3]uint32{d.rowGroups(rows, rpg), 1, 1},
		scratch: uint32(rows),
	}
	copy(c.bufs[:], bufs)
	d.send(&c)
}
