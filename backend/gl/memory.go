//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// Fill sets every element of dst to v (glClearNamedBufferSubData).
func (d *Device) Fill(dst *backend.Tensor, v float32) {
	d.tr.Fill(dst)
	defer d.tr.Exit()
	d.fill(dst, v)
}

func (d *Device) fill(t *backend.Tensor, v float32) {
	if t.Len() > 0 {
		d.send(&command{op: opFill, a: name(t), aOff: 4 * t.Offset(), n: 4 * t.Len(), v: v})
	}
}

// Copy copies src into dst (same number of elements;
// glCopyNamedBufferSubData).
func (d *Device) Copy(dst, src *backend.Tensor) {
	d.tr.Copy(dst, src)
	defer d.tr.Exit()
	d.copy(dst, src)
}

func (d *Device) copy(dst, src *backend.Tensor) {
	if dst.Len() > 0 {
		d.send(&command{op: opCopy, a: name(src), aOff: 4 * src.Offset(), b: name(dst), bOff: 4 * dst.Offset(), n: 4 * dst.Len()})
	}
}
