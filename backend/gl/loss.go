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

// loss runs a row-wise loss kernel that writes the gradient and one loss
// value per row into the scratch buffer, then sums those into lossSum[0].
func (d *Device) loss(op string, fam family, grad, lossSum, x, target *backend.Tensor) {
	d.tr.Loss(op, grad, lossSum, x, target)
	defer d.tr.Exit()
	gb, lb, xb, tb := d.arg(op, grad), d.arg(op, lossSum), d.arg(op, x), d.arg(op, target)
	if x.Len() == 0 {
		return
	}
	d.rowwise(fam, x.Rows(), x.Cols(), gb, scratch(x.Rows()), xb, tb)
	d.sumInto(lb, x.Rows())
}
