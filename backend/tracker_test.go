package backend

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestConcurrentUse checks that an op entering while another runs on the
// same device panics naming the rule, and that the device is usable once
// the first op is done.
func TestConcurrentUse(t *testing.T) {
	k := NewTracker("test")
	x := k.NewTensor(2, 2, []float32{0, 0, 0, 0})
	k.Fill(x) // an op begins…
	msg := func() (msg string) {
		defer func() { msg = fmt.Sprint(recover()) }()
		k.Fill(x) // …and another starts before it ended
		return ""
	}()
	if !strings.Contains(msg, "Fill") || !strings.Contains(msg, ErrConcurrentUse.Error()) || !strings.Contains(msg, "one goroutine at a time") {
		t.Errorf("second op while one runs: panic %q", msg)
	}
	k.Exit()
	k.Fill(x) // fine again
	k.Exit()
	if err := k.Sync(); err != nil {
		t.Fatal(err)
	}
	k.Exit()
	if _, err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close: %v", err)
	}
}
