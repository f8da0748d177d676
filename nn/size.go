package nn

import (
	"errors"
	"fmt"
)

// ErrTooLarge is returned (wrapped) by Compile, Load, Fit, Evaluate and
// Predict when a tensor the model needs is larger than the device accepts
// in one op (backend.Info.MaxOpBytes: on the GL backend,
// GL_MAX_SHADER_STORAGE_BLOCK_SIZE, 128 MiB on llvmpipe). The check comes
// before anything is allocated, so the model and the device stay usable.
var ErrTooLarge = errors.New("model too large for the device")

// checkParams checks, before allocation, that the parameter store (every
// parameter in one tensor of n elements, gaps included; the optimizer
// updates it in one op) fits in one op of the device.
func (m *Sequential) checkParams(ps []*Param, n int) error {
	limit := m.dev.Info().MaxOpBytes
	if limit <= 0 || 4*int64(n) <= limit {
		return nil
	}
	count := 0
	for _, p := range ps {
		count += p.rows * p.cols
	}
	need, most := byteSizes(4*int64(n), limit)
	return fmt.Errorf("%w: its %d parameters need %s in one tensor, but %s accepts at most %s in an op; use smaller layers, or a device without that limit such as the CPU",
		ErrTooLarge, count, need, m.dev.Info().Name, most)
}

// checkBatch checks, before allocation, that every per-batch buffer of
// rows rows fits in one op of the device.
func (m *Sequential) checkBatch(rows int) error {
	limit := m.dev.Info().MaxOpBytes
	if limit <= 0 {
		return nil
	}
	widest := 0
	for _, b := range m.bufs {
		widest = max(widest, b.cols)
	}
	if widest == 0 {
		return nil
	}
	if bytes := 4 * int64(rows) * int64(widest); bytes > limit {
		need, most := byteSizes(bytes, limit)
		return fmt.Errorf("nn: %w: a batch of %d samples needs a %d×%d tensor (%s), but %s accepts at most %s in an op; use a smaller batch (at most %d here) or smaller layers, or a device without that limit such as the CPU",
			ErrTooLarge, rows, rows, widest, need, m.dev.Info().Name, most, limit/4/int64(widest))
	}
	return nil
}

// byteSizes writes two byte counts for people, exactly where they would
// read the same.
func byteSizes(a, b int64) (string, string) {
	sa, sb := byteSize(a), byteSize(b)
	if sa == sb {
		sa, sb = fmt.Sprintf("%d bytes", a), fmt.Sprintf("%d bytes", b)
	}
	return sa, sb
}

// byteSize writes a byte count for people: "598 MiB", "1.5 GiB", "12 KiB".
func byteSize(b int64) string {
	f := float64(b)
	switch {
	case b >= 10<<30:
		return fmt.Sprintf("%.0f GiB", f/(1<<30))
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", f/(1<<30))
	case b >= 10<<20:
		return fmt.Sprintf("%.0f MiB", f/(1<<20))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", f/(1<<20))
	case b >= 10<<10:
		return fmt.Sprintf("%.0f KiB", f/(1<<10))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", f/(1<<10))
	}
	return fmt.Sprintf("%d bytes", b)
}
