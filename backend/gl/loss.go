//go:build cgo

package gl

import "github.com/glnn/glnn/backend"

// SoftmaxCrossEntropy writes dLogits = (softmax(logits) − targets)/rows and
// adds the summed cross-entropy to lossSum[0]; dLogits may be logits.
func (d *Device) SoftmaxCrossEntropy(dLogits, lossSum, logits, targets *backend.Tensor) {
	d.loss("SoftmaxCrossEntropy", famCrossEntropy, dLogits, lossSum, logits, targets)
}

// MeanSquaredError writes dPred = 2(pred − target)/(rows·cols) and adds
// Σ_rows of each row's mean squared error to lossSum[0]; dPred may be pred.
func (d *Device) MeanSquaredError(dPred, lossSum, pred, target *backend.Tensor) {
	d.loss("MeanSquaredError", famMSE, dPred, lossSum, pred, target)
}

// singlePassMax is the largest rows·cols a loss or CountCorrect reduces in
// one work group and one dispatch; larger ones write a value per row and
// sum those in a second dispatch, so that many work groups share the rows.
const singlePassMax = 1 << 14

// loss runs a row-wise loss kernel that writes the gradient and adds the
// rows' losses to lossSum[0]: in one dispatch for small inputs (held back,
// so that a CountCorrect on the same logits can join it), else through a
// value per row in the scratch buffer and a second, summing, dispatch.
func (d *Device) loss(op string, fam family, grad, lossSum, x, target *backend.Tensor) {
	d.tr.Loss(op, grad, lossSum, x, target)
	defer d.tr.Exit()
	gb, lb, xb, tb := d.arg(op, grad), d.arg(op, lossSum), d.arg(op, x), d.arg(op, target)
	if x.Len() == 0 {
		return
	}
	if x.Len() > singlePassMax {
		d.rowwise(fam, x.Rows(), x.Cols(), gb, scratch(x.Rows()), xb, tb)
		d.sumInto(lb, x.Rows())
		return
	}
	k, _ := rowKey(fam, x.Cols())
	k.single = true
	h := d.hold(fuseLoss, &command{
		op: opDispatch, prog: k, nbufs: 4,
		bufs:   [maxBindings]binding{gb, lb, xb, tb},
		u:      [maxUints]uint32{uint32(x.Rows()), uint32(x.Cols())},
		groups: [3]uint32{1, 1, 1},
	})
	h.out, h.acc, h.x, h.t, h.rows, h.cols = gb, lb, xb, tb, x.Rows(), x.Cols()
}
