//go:build cgo

package gl

import (
	"errors"
	"github.com/glnn/glnn/backend/backendtest"
	"github.com/glnn/glnn/backend/benchcase"
	"math/rand/v2"
	"testing"

	"github.com/glnn/glnn/backend"
)

// TestTimed checks that Timed waits for the ops it times and reports a GPU
// time within the wall time, and that it still works after a panic in f
// and reports ErrClosed on a closed device.
func TestTimed(t *testing.T) {
	d := device(t)
	r := rand.New(rand.NewPCG(9, 9))
	const n = 256
	a, b, c, av, bv := gemmOperands(t, d, r, n, n, n, false, false)
	defer func() {
		for _, x := range []*backend.Tensor{a, b, c} {
			d.Release(x)
		}
	}()
	for i := 0; i < 2; i++ { // the first includes compiling the kernel
		gpu, wall, err := d.Timed(func() { d.MatMul(c, a, b, backend.NoTrans, backend.NoTrans) })
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("MatMul %d³: GPU %v, wall %v", n, gpu, wall)
		if gpu <= 0 || gpu > wall {
			t.Errorf("GPU time %v, wall time %v: want 0 < GPU ≤ wall", gpu, wall)
		}
	}
	want, _ := backendtest.MatMulReference(av, bv, n, n, n, backend.NoTrans, backend.NoTrans)
	if got := download(t, d, c); float64(got[n*n-1])-want[n*n-1] > 1e-3 {
		t.Errorf("c after Timed: %g, want %g", got[n*n-1], want[n*n-1])
	}

	func() {
		defer func() { recover() }()
		d.Timed(func() { panic("in f") })
	}()
	if _, _, err := d.Timed(func() { d.Fill(c, 1) }); err != nil {
		t.Errorf("Timed after a panic in f: %v", err)
	}

	d2, err := New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d2.Close()
	if _, _, err := d2.Timed(func() {}); !errors.Is(err, backend.ErrClosed) {
		t.Errorf("Timed on a closed device: %v, want ErrClosed", err)
	}
}

// The bench program measures GL ops through this interface.
var _ benchcase.Timer = (*Device)(nil)
