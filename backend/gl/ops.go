//go:build cgo

package gl

// Every op validates its arguments with the backend's shared checks (which
// panic with the op name and shapes), then enqueues one or two commands and
// returns. The ops live in files named after their shader families, as in
// package cpu; this file holds what they share.

const localSize = 256 // work-group size of the element-wise shaders

// groups1D is the work-group count for n elements handled by grid-stride
// loops of localSize invocations.
func (d *Device) groups1D(n int) uint32 {
	return d.rowGroups(n, localSize)
}

// rowGroups is the work-group count for rows handled rowsPerGroup at a
// time by a grid-stride loop.
func (d *Device) rowGroups(rows, rowsPerGroup int) uint32 {
	g := (rows + rowsPerGroup - 1) / rowsPerGroup
	return uint32(min(g, int(d.limits.maxGroups), 65535))
}

// dispatch enqueues a program over the given work groups.
func (d *Device) dispatch(prog progKey, groups uint32, bufs []binding, u []uint32, f []float32) {
	c := command{op: opDispatch, prog: prog, nbufs: uint8(len(bufs)), groups: [3]uint32{groups, 1, 1}}
	copy(c.bufs[:], bufs)
	copy(c.u[:], u)
	copy(c.f[:], f)
	d.send(&c)
}

// elementwise enqueues an element-wise program over n elements.
func (d *Device) elementwise(prog progKey, n int, bufs []binding, u []uint32, f []float32) {
	if n > 0 {
		d.dispatch(prog, d.groups1D(n), bufs, u, f)
	}
}
