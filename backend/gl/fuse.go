//go:build cgo

package gl

// Fusion. Some ops are cheaper done together: a MatMul and the AddBias (or
// the ActivationGrad) applied to its product, a loss and the CountCorrect
// on the same predictions. The device holds the command of such a first op
// back, on the caller's side, instead of sending it; if the next op can be
// merged into it, the merged command goes out in its place, and otherwise
// (any other op, and Sync, Download, Alloc, Release, Close) the held
// command is sent first, unchanged. Ops run in call order either way, and
// their results are only visible through Download and Sync, which send it.

// fusion says what a held command can absorb.
type fusion uint8

const (
	fuseNone fusion = iota
	fuseGemm        // a GEMM's output: AddBias or ActivationGrad on it
	fuseLoss        // a single-pass loss: CountCorrect on its input and target
)

// held is a command held back for fusion, and the bindings the merge
// decision needs.
type held struct {
	kind fusion
	c    command
	out  binding // fuseGemm: c; fuseLoss: the gradient
	x, t binding // fuseLoss: the predictions and targets
	acc  binding // fuseLoss: the loss sum
	rows int     // the output's rows (fuseGemm) or the loss's rows
	cols int
}

// hold keeps c back for fusion (after sending any command held before).
func (d *Device) hold(kind fusion, c *command) *held {
	d.flush()
	d.held = held{kind: kind, c: *c}
	return &d.held
}

// flush sends the held command, if any.
func (d *Device) flush() {
	if d.held.kind != fuseNone {
		d.held.kind = fuseNone
		d.cmds <- d.held.c
	}
}

// same reports whether a and b bind the same bytes of one buffer.
func (a binding) same(b binding) bool { return a == b }

// overlaps reports whether a and b share a byte of one buffer.
func (a binding) overlaps(b binding) bool {
	return a.name == b.name && a.off < b.off+b.size && b.off < a.off+a.size
}
