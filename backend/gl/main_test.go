//go:build cgo

package gl

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// One device serves the whole package's tests: opening one compiles every
// shader, which is slow on software renderers. It is a debug context (so
// driver errors fail the tests) unless GLNN_GL_NODEBUG is set, as for
// benchmarks.
var (
	testDev     *Device
	testOpenErr error
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	testDev, testOpenErr = New(backend.Options{Debug: os.Getenv("GLNN_GL_NODEBUG") == ""})
	code := m.Run()
	if testDev != nil {
		if err := testDev.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the test device:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// device returns the shared test device, skipping the test (or failing it
// when GLNN_REQUIRE_GPU=1) if none could be opened, and failing it when
// GLNN_REQUIRE_HARDWARE_GPU=1 (for runs on GPU machines) and the device
// is a software renderer such as llvmpipe.
func device(t testing.TB) *Device {
	t.Helper()
	if testDev == nil {
		if os.Getenv("GLNN_REQUIRE_GPU") == "1" || os.Getenv("GLNN_REQUIRE_HARDWARE_GPU") == "1" {
			t.Fatalf("GLNN_REQUIRE_GPU=1 or GLNN_REQUIRE_HARDWARE_GPU=1 but no GL device: %v", testOpenErr)
		}
		t.Skipf("no GL device: %v", testOpenErr)
	}
	if i := testDev.Info(); i.Software && os.Getenv("GLNN_REQUIRE_HARDWARE_GPU") == "1" {
		t.Fatalf("GLNN_REQUIRE_HARDWARE_GPU=1 but the GL device is a software renderer: %v (%s)", i, strings.Join(i.Notes, "; "))
	}
	return testDev
}
