//go:build cgo

package gl

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/go-gl/gl/v4.5-core/gl"
)

// glContext is an OpenGL context current on the calling thread.
type glContext interface {
	// procAddr resolves a GL entry point.
	procAddr(name string) unsafe.Pointer
	// kind names the route that made the context ("egl-device", "glfw"…).
	kind() string
	// notes says how the context was chosen: the GPUs found, why each
	// route before it failed.
	notes() []string
	// destroy releases the context; it runs on the context's thread.
	destroy()
}

// openContext makes a context current on the calling (locked) thread.
// s.context is "" or "auto" (EGL, then GLFW when built with the glfw tag),
// "egl" or "glfw"; a GPU chosen by number (s.gpu ≥ 0) needs EGL.
func openContext(s settings) (glContext, error) {
	sel, debug := s.context, s.debug
	switch strings.ToLower(strings.TrimSpace(sel)) {
	case "", "auto":
		c, err := newEGLContext(debug, s.gpu, s.gpuFrom)
		if err == nil {
			return c, nil
		}
		if glfwBuilt && s.gpu < 0 {
			c, gerr := newGLFWContext(debug)
			if gerr == nil {
				return c, nil
			}
			return nil, fmt.Errorf("%v; glfw: %v", err, gerr)
		}
		return nil, err
	case "egl":
		c, err := newEGLContext(debug, s.gpu, s.gpuFrom)
		if err != nil {
			return nil, err
		}
		return c, nil
	case "glfw":
		if s.gpu >= 0 {
			return nil, fmt.Errorf("%s=%d: choosing a GPU needs an EGL context, not glfw", s.gpuFrom, s.gpu)
		}
		c, err := newGLFWContext(debug)
		if err != nil {
			return nil, err
		}
		return c, nil
	default:
		return nil, fmt.Errorf("unknown GL context %q (want auto, egl or glfw)", sel)
	}
}

// go-gl keeps its function pointers in package variables. With libglvnd
// they are dispatch stubs valid for every context of the process, so they
// are loaded once, from the first context made.
var (
	glLoadMu sync.Mutex
	glLoaded bool
)

func loadGL(ctx glContext) error {
	glLoadMu.Lock()
	defer glLoadMu.Unlock()
	if glLoaded {
		return nil
	}
	if err := gl.InitWithProcAddrFunc(ctx.procAddr); err != nil {
		return fmt.Errorf("loading OpenGL entry points: %v missing", err)
	}
	glLoaded = true
	return nil
}
