//go:build cgo && glfw

package gl

import (
	"os"
	"testing"

	"github.com/glnn/glnn/backend"
	"github.com/glnn/glnn/backend/backendtest"
)

// TestGLFW runs the conformance suite through a hidden GLFW window's
// context (run it under an X server: xvfb-run -a go test -tags glfw).
func TestGLFW(t *testing.T) {
	d, err := New(backend.Options{Context: "glfw", Debug: true})
	if err != nil {
		if os.Getenv("GLNN_REQUIRE_GPU") == "1" {
			t.Fatalf("GLNN_REQUIRE_GPU=1 but no GLFW device: %v", err)
		}
		t.Skipf("no GLFW device: %v", err)
	}
	if got := d.Info().Context; got != "glfw" {
		t.Errorf("Info().Context = %q, want glfw", got)
	}
	t.Logf("%+v", d.Info())
	backendtest.Run(t, d, func() (backend.Device, error) { return New(backend.Options{Context: "glfw"}) })
	backendtest.RunReference(t, d)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if n := d.LiveBuffers(); n != 0 {
		t.Fatalf("LiveBuffers after Close = %d", n)
	}
}
