package cpu

import (
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// TestAllocChecksMemory fakes a 1 GiB machine: a tensor larger than the
// memory available, or one taking the device past 90 % of the total, is an
// error, not a crash; released tensors give their memory back.
func TestAllocChecksMemory(t *testing.T) {
	d, err := New(backend.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.memory = func() (uint64, uint64) { return 1 << 30, 600 << 20 }
	if _, err := d.Alloc(1<<20, 200); err == nil || !strings.Contains(err.Error(), "available") {
		t.Fatalf("Alloc of 800 MiB with 600 MiB available: %v", err)
	}
	a, err := d.Alloc(1<<20, 125) // 500 MiB
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Alloc(1<<20, 125); err == nil || !strings.Contains(err.Error(), "90 %") {
		t.Fatalf("a second 500 MiB on a 1 GiB machine: %v", err)
	}
	d.Release(a)
	b, err := d.Alloc(1<<20, 125)
	if err != nil {
		t.Fatalf("after Release: %v", err)
	}
	d.Release(b)
}
