//go:build cgo

package gl

import (
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, device(t), openAnother)
}

// openAnother opens a further device for the suite's ownership and
// lifecycle checks.
func openAnother() (backend.Device, error) { return New(backend.Options{}) }

func TestReference(t *testing.T) {
	backendtest.RunReference(t, device(t))
}

// TestConformanceHardwareKernels runs the suite again with the kernels a
// hardware GPU would get (shared-memory GEMM tiles and SumRows), which a
// software renderer does not choose on its own.
func TestConformanceHardwareKernels(t *testing.T) {
	d := device(t)
	if !d.Info().Software {
		t.Skip("hardware device: TestConformance covers these kernels")
	}
	hardwareKernels = true
	defer func() { hardwareKernels = false }()
	backendtest.Run(t, d, openAnother)
}
