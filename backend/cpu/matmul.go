package cpu

import "github.com/glnn/glnn/backend"

// MatMul computes c = op(a)·op(b) with the blocked, packed GEMM (gemm.go),
// where op(x) is x or xᵀ as tA and tB say; transposes are handled by the
// packing, never materialised. The product runs when the next op is
// called, with that op in its epilogue where it can be (see fuse.go).
func (d *Device) MatMul(c, a, b *backend.Tensor, tA, tB backend.Transpose) {
	m, n, k := d.tr.MatMul(c, a, b, tA, tB)
	defer d.tr.Exit()
	d.flush()
	d.gemmSetup(mem(c), mem(a), mem(b), m, n, k, tA == backend.Trans, tB == backend.Trans, false)
	d.held = heldGemm{c: c}
}
