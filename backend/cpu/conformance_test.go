package cpu_test

import (
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// TestConformance runs the shared backend conformance suite and the
// PyTorch reference checks on CPU devices with one worker (every op
// inline) and with several (ops split where they are large enough).
func TestConformance(t *testing.T) {
	for _, threads := range []int{1, 3} {
		t.Run(map[int]string{1: "threads=1", 3: "threads=3"}[threads], func(t *testing.T) {
			d := open(t, threads)
			backendtest.Run(t, d, func() (backend.Device, error) { return cpu.New(backend.Options{Threads: threads}) })
			backendtest.RunReference(t, d)
		})
	}
}
