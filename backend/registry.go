package backend

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure how a device is opened. Zero values mean defaults.
type Options struct {
	// Threads caps the CPU backend's worker goroutines (default GOMAXPROCS).
	Threads int
	// Context selects how the GL backend makes its context: "" or "auto"
	// tries headless EGL (device platform, Mesa surfaceless, default
	// display); "egl" forces EGL; "glfw" uses a hidden GLFW window (only in
	// builds with the glfw tag). The GLNN_GL_CONTEXT environment variable
	// supplies it when empty.
	Context string
	// Debug turns on driver validation (a GL debug context) where available.
	Debug bool
	// Kernel selects the CPU backend's GEMM micro-kernel: "avx512",
	// "avx2" (with FMA) or "go" (portable). "" means the fastest the CPU
	// supports; the GLNN_CPU_KERNEL environment variable supplies it when
	// empty. Opening fails if the CPU lacks the kernel's instructions.
	Kernel string
	// GPU picks the GL backend's GPU by number: "0", "1", …, counted
	// among the hardware devices of the EGL device platform; on NVIDIA
	// they are numbered as CUDA numbers them, after CUDA_VISIBLE_DEVICES,
	// so "0" is the first visible CUDA device (package gl documents the
	// rule). A number past the GPUs found is an error listing them; a GPU
	// that fails to open is an error, never a fallback to another device.
	// "" means the GLNN_GPU environment variable, and when that is unset
	// too the first GPU that opens, else Mesa's surfaceless platform, the
	// software devices, the default display.
	GPU string
	// Timeout bounds how long the GL backend waits for the GPU (the fence
	// of Sync, Download, Close and Timed) or for a driver call: past it
	// that call returns an error naming it, and the device is unusable
	// (see ErrDeviceLost). Zero means the GLNN_GL_TIMEOUT environment
	// variable (a duration such as 90s or 5m, or off), else 60s; negative
	// means no bound.
	Timeout time.Duration
}

// Opener opens a device of one backend.
type Opener func(Options) (Device, error)

var (
	regMu   sync.Mutex
	openers = map[string]Opener{}
)

// Register makes a backend available under name ("cpu", "gl"). It panics if
// the name is taken; backends call it from init.
func Register(name string, open Opener) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := openers[name]; dup {
		panic("backend: Register called twice for " + name)
	}
	openers[name] = open
}

// Backends lists the registered backend names in order.
func Backends() []string {
	regMu.Lock()
	defer regMu.Unlock()
	names := make([]string, 0, len(openers))
	for n := range openers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func opener(name string) (Opener, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	o, ok := openers[name]
	return o, ok
}

// ErrUnknownBackend is returned by Open for a name nothing registered.
var ErrUnknownBackend = errors.New("unknown device")

// Open opens a device by name: "cpu"; "gpu" or "gl" for the OpenGL backend
// (which accepts a software renderer); or "auto", which is OpenAuto without
// its explanation.
func Open(name string, opts Options) (Device, error) {
	switch strings.ToLower(name) {
	case "auto", "":
		d, _, err := OpenAuto(opts)
		return d, err
	case "gpu":
		name = "gl"
	}
	o, ok := opener(strings.ToLower(name))
	if !ok {
		return nil, fmt.Errorf("%w %q (registered: %s)", ErrUnknownBackend, name, strings.Join(Backends(), ", "))
	}
	return o(opts)
}

// OpenAuto opens the GL backend when it gives a hardware context that
// meets its version rule (OpenGL 4.5, or 4.3 with direct state access),
// and the CPU backend otherwise. A software renderer is never chosen. The
// returned string says which device was chosen and why; when the GPU is
// passed over it carries the GL backend's reasons (Info.Notes: each route
// tried, and why it failed). When opts.GPU, or else the GLNN_GPU
// environment variable, names a GPU, OpenAuto opens that GPU or fails: it
// does not fall back to the CPU.
func OpenAuto(opts Options) (Device, string, error) {
	var why string
	if o, ok := opener("gl"); ok {
		d, err := o(opts)
		switch {
		case err != nil && gpuChosen(opts):
			return nil, "", err
		case err != nil:
			why = "GPU unavailable (" + err.Error() + ")"
		case d.Info().Software:
			why = "GPU is a software renderer (" + strings.Join(append([]string{d.Info().Renderer}, d.Info().Notes...), "; ") + ")"
			d.Close()
		default:
			i := d.Info()
			return d, fmt.Sprintf("chose gl: %s (%s, %s)", i.Renderer, i.Version, i.Context), nil
		}
	} else {
		why = "GPU backend not linked into this program"
	}
	o, ok := opener("cpu")
	if !ok {
		return nil, why, fmt.Errorf("no usable device: %s, and the cpu backend is not linked", why)
	}
	d, err := o(opts)
	if err != nil {
		return nil, why, err
	}
	return d, fmt.Sprintf("chose cpu: %s", why), nil
}

// gpuChosen reports whether opts.GPU, or else GLNN_GPU, names a GPU.
func gpuChosen(opts Options) bool {
	v := strings.TrimSpace(opts.GPU)
	if v == "" {
		v = strings.TrimSpace(os.Getenv("GLNN_GPU"))
	}
	return v != "" && !strings.EqualFold(v, "auto")
}
