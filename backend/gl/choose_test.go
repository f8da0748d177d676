//go:build cgo

package gl

import (
	"os"
	"strings"
	"testing"

	"github.com/glnn/glnn/backend"
)

// TestChooseGPU opens GPUs by number on this machine: GPU 0 opens when
// there is a hardware GPU (and names itself in the notes) and is a clear
// error listing the devices otherwise; a number past the GPUs, from
// Options.GPU or GLNN_GPU, is an error on one line that lists what there
// is.
func TestChooseGPU(t *testing.T) {
	shared := device(t)
	eglOnly(t)
	hardware := !shared.Info().Software
	d, err := New(backend.Options{GPU: "0"})
	switch {
	case err == nil:
		info := d.Info()
		d.Close()
		t.Logf("GPU 0: %v; notes %q", info, info.Notes)
		if info.Software || info.Context != "egl-device" || len(info.Notes) == 0 || !strings.HasPrefix(info.Notes[0], "GPU 0 of ") {
			t.Errorf("GPU 0 opened as %+v", info)
		}
	case hardware:
		t.Logf("GPU 0: %v (the shared device is %v, by %s)", err, shared.Info(), shared.Info().Context)
	case !strings.Contains(err.Error(), "Options.GPU=0: no such GPU; found no hardware GPU"):
		t.Errorf("GPU 0 on a machine without a hardware GPU: %v", err)
	default:
		t.Log(err)
	}
	for _, c := range []struct {
		opts backend.Options
		env  string
		want string
	}{
		{backend.Options{GPU: "99"}, "", "gl: Options.GPU=99: no such GPU; found "},
		{backend.Options{}, "99", "gl: GLNN_GPU=99: no such GPU; found "},
		{backend.Options{GPU: "99"}, "0", "gl: Options.GPU=99: no such GPU; found "},
		{backend.Options{GPU: "one"}, "", `gl: Options.GPU="one": want a GPU number`},
		{backend.Options{}, "-2", `gl: GLNN_GPU="-2": want a GPU number`},
		{backend.Options{GPU: "0", Context: "glfw"}, "", "gl: Options.GPU=0: choosing a GPU needs an EGL context"},
	} {
		t.Setenv("GLNN_GPU", c.env)
		d, err := New(c.opts)
		if err == nil {
			d.Close()
			t.Errorf("%+v with GLNN_GPU=%q opened a device", c.opts, c.env)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%+v with GLNN_GPU=%q: %q, want one line starting %q", c.opts, c.env, msg, c.want)
		}
	}
}

// TestCudaVisibleNote checks that CUDA_VISIBLE_DEVICES is explained in the
// notes where the driver cannot apply it.
func TestCudaVisibleNote(t *testing.T) {
	device(t)
	eglOnly(t)
	t.Setenv("CUDA_VISIBLE_DEVICES", "1")
	d, err := New(backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	notes := strings.Join(d.Info().Notes, "\n")
	t.Logf("notes:\n%s", notes)
	if !strings.Contains(notes, "CUDA_VISIBLE_DEVICES") && !strings.Contains(notes, "GPU 0 of ") {
		t.Errorf("CUDA_VISIBLE_DEVICES=1 is not mentioned")
	}
}

// eglOnly skips a test of EGL's GPU choice in the runs that make every
// context with GLFW (GLNN_GL_CONTEXT=glfw); the EGL runs cover it.
func eglOnly(t *testing.T) {
	t.Helper()
	if c := os.Getenv("GLNN_GL_CONTEXT"); c == "glfw" {
		t.Skip("GPU choice is EGL's; GLNN_GL_CONTEXT=glfw makes GLFW contexts")
	}
}
