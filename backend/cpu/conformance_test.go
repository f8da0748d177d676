package cpu_test

import (
	"fmt"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/cpu"
)

// TestConformance runs the shared backend conformance suite and the
// PyTorch reference checks with every GEMM kernel this CPU runs, on
// devices with one worker (every op inline) and with several (ops split
// where they are large enough).
func TestConformance(t *testing.T) {
	for _, kernel := range cpu.Kernels() {
		for _, threads := range []int{1, 3} {
			t.Run(fmt.Sprintf("kernel=%s/threads=%d", kernel, threads), func(t *testing.T) {
				d := openKernel(t, threads, kernel)
				backendtest.Run(t, d, func() (backend.Device, error) {
					return cpu.New(backend.Options{Threads: threads, Kernel: kernel})
				})
				backendtest.RunReference(t, d)
			})
		}
	}
}
