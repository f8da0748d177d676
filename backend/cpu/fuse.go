package cpu

import "github.com/glnn/glnn/backend"

// Fusion. A MatMul's product is usually followed by ops on it, each a
// pass over C that, run apart, rereads rows from the cache of whichever
// worker computed them: AddBias in place (a Dense layer's bias and
// activation), and SumRows of it. Run in the GEMM's epilogue instead, by
// the worker that computed each tile, on the tile while it is in that
// worker's cache, they cost next to nothing.
//
// So MatMul does not run at once: the device holds it (d.held, with the
// product set up in d.mm) until the next op. A SumRows of C (into a
// tensor apart from C) joins the held product's epilogue and leaves it
// held; an AddBias of C in place joins it and runs it. Every other op,
// and Upload, Download, Sync, Release and Close, first runs the held
// product as it is (flush). Ops thus take effect in call order, as on any
// device; only their cost changes.
//
// In the epilogue SumRows sums each tile's columns in float64 and the
// tiles' sums row of tiles by row of tiles, so its last bits depend on the
// tiling (which follows the worker count), unlike SumRows run alone.

// heldGemm is a MatMul that has not run yet, with the tensors the fusion
// rules look at; c is nil when none is held.
type heldGemm struct {
	c    *backend.Tensor
	sums *backend.Tensor // SumRows's dst, once it has joined
}

// flush runs the held MatMul, if any, with its epilogue.
func (d *Device) flush() {
	if d.held.c == nil {
		return
	}
	d.held = heldGemm{}
	d.gemmRun()
}

// fuseSumRows adds SumRows(dst, src) to the held product's epilogue, and
// reports whether it did: src must be the product, and dst apart from it
// (the sums are written once the whole product is done; the operands
// have then been read).
func (d *Device) fuseSumRows(dst, src *backend.Tensor) bool {
	h := &d.held
	if h.c == nil || h.sums != nil || !src.Same(h.c) || dst.Overlaps(h.c) {
		return false
	}
	h.sums = dst
	d.mm.sums = mem(dst)
	d.fused++
	return true
}

// fuseAddBias runs the held product with AddBias(y, x, bias, act) in its
// epilogue, and reports whether it did: x and y must be the product, and
// bias not a SumRows's dst that has joined (the tiles read the bias
// before the sums are written).
func (d *Device) fuseAddBias(y, x, bias *backend.Tensor, act backend.Activation) bool {
	h := &d.held
	if h.c == nil || !x.Same(h.c) || !y.Same(h.c) || h.sums != nil && bias.Overlaps(h.sums) {
		return false
	}
	d.mm.bias, d.mm.act = mem(bias), act
	d.fused++
	d.flush()
	return true
}

// epilogueAlone runs the epilogue of a product that has no tiles (m, n or
// k is 0) as the ops themselves.
func (d *Device) epilogueAlone() {
	g := &d.mm
	if g.sums != nil {
		d.sumRowsOf(g.sums, g.c, g.m, g.n)
	}
	if g.bias != nil {
		d.addBiasRows(g.c, g.c, g.bias, g.m, g.n, g.act)
	}
}
