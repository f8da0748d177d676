package nn

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/cpu"
)

// limitedDevice is a device that reports a limit on the bytes of a tensor
// in one op, as the GL backend does (Info().MaxOpBytes).
type limitedDevice struct {
	backend.Device
	limit int64
}

func (d limitedDevice) Info() backend.Info {
	i := d.Device.Info()
	i.MaxOpBytes = d.limit
	return i
}

// TestTooLarge checks that a model whose parameter store, or whose batch
// buffers, exceed the device's op limit gets one clear error wrapping
// ErrTooLarge from Compile, Fit, Evaluate and Predict, before anything is
// allocated, and that the limit lets through what fits.
func TestTooLarge(t *testing.T) {
	base, err := cpu.New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	// 20·32+32 and 32·5+5 parameters: 640 + 64 + 192 + 64 elements with
	// the store's alignment gaps, 3840 bytes; the widest batch buffer has
	// 32 columns, 128 bytes a row.
	newModel := func() *Sequential {
		return NewSequential(Input(20), Dense(32, "relu"), Dense(5, "softmax"))
	}
	x, y := make([]float32, 64*20), make([]float32, 64*5)
	for i := range 64 {
		y[i*5+i%5] = 1
	}
	oneLine := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("%s: got %v, want ErrTooLarge", what, err)
		}
		if msg := err.Error(); strings.Contains(msg, "\n") || strings.Count(msg, "nn: ") != 1 {
			t.Errorf("%s: not one clear line: %q", what, msg)
		}
		t.Logf("%s: %v", what, err)
	}

	dev := limitedDevice{base, 3839}
	m := newModel()
	err = m.Compile(dev, Adam(0.001), CategoricalCrossEntropy, CompileOptions{Seed: 1})
	oneLine("Compile", err)
	for _, want := range []string{"837 parameters", "3.8 KiB", "3.7 KiB", base.Info().Name, "the CPU"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Compile's error lacks %q", want)
		}
	}
	if n := base.LiveBuffers(); n != 0 {
		t.Errorf("a refused Compile left %d tensors allocated", n)
	}

	dev.limit = 3840 // the store fits, and batches of up to 30 rows of 32 columns
	if err := m.Compile(dev, Adam(0.001), CategoricalCrossEntropy, CompileOptions{Seed: 1}); err != nil {
		t.Fatalf("Compile within the limit: %v", err)
	}
	defer m.Release()
	live := base.LiveBuffers()
	_, err = m.Fit(context.Background(), x, y, FitOptions{Epochs: 1, BatchSize: 31})
	oneLine("Fit", err)
	if !strings.Contains(err.Error(), "at most 30 here") {
		t.Errorf("Fit's error does not say the largest batch: %v", err)
	}
	_, _, err = m.Evaluate(x, y, 64)
	oneLine("Evaluate", err)
	_, err = m.Predict(x, 64)
	oneLine("Predict", err)
	if n := base.LiveBuffers(); n != live {
		t.Errorf("refused calls changed the live tensors from %d to %d", live, n)
	}
	if _, err := m.Fit(context.Background(), x, y, FitOptions{Epochs: 1, BatchSize: 30}); err != nil {
		t.Errorf("Fit within the limit: %v", err)
	}
	if _, err := m.Predict(x, 30); err != nil {
		t.Errorf("Predict within the limit: %v", err)
	}
}

func TestByteSize(t *testing.T) {
	for b, want := range map[int64]string{
		100: "100 bytes", 3840: "3.8 KiB", 3839: "3.7 KiB", 20 << 10: "20 KiB", 1 << 20: "1.0 MiB", 128 << 20: "128 MiB",
		627_200_000: "598 MiB", 3 << 29: "1.5 GiB", 20 << 30: "20 GiB",
	} {
		if got := byteSize(b); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", b, got, want)
		}
	}
}
