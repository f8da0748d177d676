//go:build cgo

package gl

/*
#cgo pkg-config: egl
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>

#ifndef EGL_PLATFORM_SURFACELESS_MESA
#define EGL_PLATFORM_SURFACELESS_MESA 0x31DD
#endif
#ifndef EGL_PLATFORM_DEVICE_EXT
#define EGL_PLATFORM_DEVICE_EXT 0x313F
#endif
#ifndef EGL_CONTEXT_OPENGL_DEBUG
#define EGL_CONTEXT_OPENGL_DEBUG 0x31B0
#endif
#ifndef EGL_CONTEXT_FLAGS_KHR
#define EGL_CONTEXT_FLAGS_KHR 0x30FC
#endif
#ifndef EGL_CONTEXT_OPENGL_DEBUG_BIT_KHR
#define EGL_CONTEXT_OPENGL_DEBUG_BIT_KHR 0x0001
#endif
#ifndef EGL_NO_CONFIG_KHR
#define EGL_NO_CONFIG_KHR ((EGLConfig)0)
#endif
#ifndef EGL_CONTEXT_OPENGL_RESET_NOTIFICATION_STRATEGY
#define EGL_CONTEXT_OPENGL_RESET_NOTIFICATION_STRATEGY 0x31BD
#endif
#ifndef EGL_LOSE_CONTEXT_ON_RESET
#define EGL_LOSE_CONTEXT_ON_RESET 0x31BF
#endif
#ifndef EGL_CONTEXT_OPENGL_RESET_NOTIFICATION_STRATEGY_EXT
#define EGL_CONTEXT_OPENGL_RESET_NOTIFICATION_STRATEGY_EXT 0x3138
#endif

typedef EGLDisplay (*glnn_get_platform_display_fn)(EGLenum, void*, const EGLint*);

// glnn_has_ext reports whether the space-separated list holds name. It is
// not static: egldevices.go's preamble declares and uses it too.
int glnn_has_ext(const char* list, const char* name) {
	if (list == NULL) return 0;
	size_t n = strlen(name);
	const char* p = list;
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0)) return 1;
		p += n;
	}
	return 0;
}

static int glnn_client_has(const char* name) {
	return glnn_has_ext(eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS), name);
}

static EGLDisplay glnn_platform_display(EGLenum platform, void* native) {
	glnn_get_platform_display_fn f = (glnn_get_platform_display_fn)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (f == NULL) return EGL_NO_DISPLAY;
	return f(platform, native, NULL);
}

static EGLDisplay glnn_default_display(void) { return eglGetDisplay(EGL_DEFAULT_DISPLAY); }

// glnn_create_context asks for an OpenGL 4.3 core context, with debug
// output in one of its two spellings (debug 1: EGL 1.5's attribute, 2:
// EGL_KHR_create_context's flag) and a reset notification strategy of
// lose-context-on-reset (robust 1: EGL 1.5's and EGL_KHR_create_context's
// attribute, 2: EGL_EXT_create_context_robustness's) when asked.
static EGLContext glnn_create_context(EGLDisplay dpy, EGLConfig cfg, int debug, int robust) {
	EGLint a[16];
	int n = 0;
	a[n++] = EGL_CONTEXT_MAJOR_VERSION; a[n++] = 4;
	a[n++] = EGL_CONTEXT_MINOR_VERSION; a[n++] = 3;
	a[n++] = EGL_CONTEXT_OPENGL_PROFILE_MASK; a[n++] = EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT;
	if (debug == 1) { a[n++] = EGL_CONTEXT_OPENGL_DEBUG; a[n++] = EGL_TRUE; }
	if (debug == 2) { a[n++] = EGL_CONTEXT_FLAGS_KHR; a[n++] = EGL_CONTEXT_OPENGL_DEBUG_BIT_KHR; }
	if (robust == 1) { a[n++] = EGL_CONTEXT_OPENGL_RESET_NOTIFICATION_STRATEGY; a[n++] = EGL_LOSE_CONTEXT_ON_RESET; }
	if (robust == 2) { a[n++] = EGL_CONTEXT_OPENGL_RESET_NOTIFICATION_STRATEGY_EXT; a[n++] = EGL_LOSE_CONTEXT_ON_RESET; }
	a[n] = EGL_NONE;
	return eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, a);
}

// glnn_make_context creates an OpenGL 4.3 core context on an initialised
// display and makes it current on the calling thread with no surface (or
// a 1×1 pbuffer where surfaceless contexts are missing). It asks for
// debug output when debug is set, and for lose-context-on-reset where the
// display offers it (the device reads GL_RESET_NOTIFICATION_STRATEGY to
// see whether it was granted). It returns EGL_SUCCESS or the EGL error,
// with *step naming the call that failed.
static EGLint glnn_make_context(EGLDisplay dpy, int debug, EGLContext* ctxOut, EGLSurface* surfOut, const char** step) {
	*ctxOut = EGL_NO_CONTEXT;
	*surfOut = EGL_NO_SURFACE;
	*step = "eglBindAPI(EGL_OPENGL_API)";
	if (!eglBindAPI(EGL_OPENGL_API)) return eglGetError();
	const char* exts = eglQueryString(dpy, EGL_EXTENSIONS);
	EGLConfig cfg = EGL_NO_CONFIG_KHR;
	int noConfig = glnn_has_ext(exts, "EGL_KHR_no_config_context") || glnn_has_ext(exts, "EGL_MESA_configless_context");
	if (!noConfig) {
		EGLint attrs[] = {EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_NONE};
		EGLint n = 0;
		*step = "eglChooseConfig(EGL_OPENGL_BIT)";
		if (!eglChooseConfig(dpy, attrs, &cfg, 1, &n)) return eglGetError();
		if (n < 1) return EGL_BAD_CONFIG;
	}
	// Debug output first where asked for (the tests rely on it), then
	// robustness where offered, then neither.
	int debugs[3] = {1, 2, 0}, robusts[3] = {0, 0, 0};
	int nd = debug ? 3 : 1, nr = 0;
	if (!debug) debugs[0] = 0;
	const char* version = eglQueryString(dpy, EGL_VERSION);
	if (glnn_has_ext(exts, "EGL_KHR_create_context") || (version != NULL && strncmp(version, "1.5", 3) >= 0)) robusts[nr++] = 1;
	if (glnn_has_ext(exts, "EGL_EXT_create_context_robustness")) robusts[nr++] = 2;
	robusts[nr++] = 0;
	EGLContext ctx = EGL_NO_CONTEXT;
	EGLint err = EGL_SUCCESS;
	*step = "eglCreateContext(OpenGL 4.3 core)";
	for (int i = 0; i < nd && ctx == EGL_NO_CONTEXT; i++) {
		for (int j = 0; j < nr && ctx == EGL_NO_CONTEXT; j++) {
			ctx = glnn_create_context(dpy, cfg, debugs[i], robusts[j]);
			if (ctx == EGL_NO_CONTEXT) err = eglGetError(); // the last, plainest attempt's is reported
		}
	}
	if (ctx == EGL_NO_CONTEXT) return err;
	*step = "eglMakeCurrent(no surface)";
	if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
		EGLint err = eglGetError();
		EGLSurface surf = EGL_NO_SURFACE;
		if (cfg != EGL_NO_CONFIG_KHR) {
			EGLint pb[] = {EGL_WIDTH, 1, EGL_HEIGHT, 1, EGL_NONE};
			surf = eglCreatePbufferSurface(dpy, cfg, pb);
		}
		if (surf == EGL_NO_SURFACE || !eglMakeCurrent(dpy, surf, surf, ctx)) {
			if (surf != EGL_NO_SURFACE) {
				err = eglGetError();
				eglDestroySurface(dpy, surf);
			}
			eglDestroyContext(dpy, ctx);
			return err;
		}
		*surfOut = surf;
	}
	*ctxOut = ctx;
	return EGL_SUCCESS;
}

static void glnn_destroy_context(EGLDisplay dpy, EGLContext ctx, EGLSurface surf) {
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	if (surf != EGL_NO_SURFACE) eglDestroySurface(dpy, surf);
	eglDestroyContext(dpy, ctx);
	eglReleaseThread();
}

static void* glnn_egl_proc(const char* name) { return (void*)eglGetProcAddress(name); }
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// eglContext is a headless EGL context, current on the thread that made it.
type eglContext struct {
	dpy   C.EGLDisplay
	ctx   C.EGLContext
	surf  C.EGLSurface
	route string
	why   []string // how it was chosen: the devices, why other routes failed
}

// EGL displays are per-process singletons: two devices on the same
// platform share one, so eglTerminate waits for the last of them.
var (
	eglMu   sync.Mutex
	eglRefs = map[C.EGLDisplay]int{}
)

// eglInitialize initialises dpy and counts the reference.
func eglInitialize(dpy C.EGLDisplay) C.EGLint {
	eglMu.Lock()
	defer eglMu.Unlock()
	var major, minor C.EGLint
	if C.eglInitialize(dpy, &major, &minor) == C.EGL_FALSE {
		return C.eglGetError()
	}
	eglRefs[dpy]++
	return C.EGL_SUCCESS
}

// eglUnref drops a reference to dpy and terminates it after the last one.
func eglUnref(dpy C.EGLDisplay) {
	eglMu.Lock()
	defer eglMu.Unlock()
	eglRefs[dpy]--
	if eglRefs[dpy] <= 0 {
		delete(eglRefs, dpy)
		C.eglTerminate(dpy)
	}
}

// newEGLContext makes a headless OpenGL 4.3 core context current on the
// calling (locked) thread. With gpu ≥ 0 it uses that GPU of the EGL device
// platform (numbered by numberGPUs) or fails, saying which GPUs there
// are; gpuFrom names the setting that asked for it. With gpu < 0 it tries
// the device platform's GPUs in order, Mesa's surfaceless platform (which
// picks a render node or falls back to llvmpipe), the device platform's
// software devices, then the default display. The context's notes, or
// the error, say why each route before it failed.
func newEGLContext(debug bool, gpu int, gpuFrom string) (*eglContext, error) {
	var why []string
	dbg := C.int(0)
	if debug {
		dbg = 1
	}
	try := func(route string, dpy C.EGLDisplay) *eglContext {
		if dpy == 0 {
			why = append(why, route+": no display")
			return nil
		}
		if e := eglInitialize(dpy); e != C.EGL_SUCCESS {
			why = append(why, fmt.Sprintf("%s: eglInitialize: %s", route, eglErrorName(e)))
			return nil
		}
		var ctx C.EGLContext
		var surf C.EGLSurface
		var step *C.char
		if e := C.glnn_make_context(dpy, dbg, &ctx, &surf, &step); e != C.EGL_SUCCESS {
			why = append(why, fmt.Sprintf("%s: %s: %s", route, C.GoString(step), eglErrorName(e)))
			eglUnref(dpy)
			return nil
		}
		return &eglContext{dpy: dpy, ctx: ctx, surf: surf, route: route}
	}
	// won completes the winner's notes: the device list and numbering,
	// then why each route before it failed.
	var listing []string
	won := func(c *eglContext, route, chosen string) (*eglContext, error) {
		c.route = route
		if chosen != "" {
			c.why = append(c.why, chosen)
		}
		c.why = append(append(c.why, listing...), why...)
		return c, nil
	}

	var devs []eglDev
	var handles []C.EGLDeviceEXT
	if C.glnn_client_has(cstr("EGL_EXT_platform_device\x00")) != 0 {
		var none string
		if devs, handles, none = eglDevices(); none != "" {
			why = append(why, none)
		}
	} else {
		why = append(why, "egl-device: EGL_EXT_platform_device missing")
	}
	visible, set := os.LookupEnv("CUDA_VISIBLE_DEVICES")
	gpus, numbering := numberGPUs(devs, visible, set)
	if len(devs) > 0 {
		listing = append([]string{describeDevices(devs)}, numbering...)
	}
	device := func(d eglDev) C.EGLDisplay {
		return C.glnn_platform_display(C.EGL_PLATFORM_DEVICE_EXT, unsafe.Pointer(handles[d.index]))
	}
	if gpu >= 0 {
		if gpu >= len(gpus) {
			msg := fmt.Sprintf("%s=%d: no such GPU; found %s", gpuFrom, gpu, listGPUs(gpus))
			if extra := append(listing, why...); len(extra) > 0 {
				msg += " (" + strings.Join(extra, "; ") + ")"
			}
			return nil, errors.New(msg)
		}
		if c := try(fmt.Sprintf("GPU %d, %v", gpu, gpus[gpu]), device(gpus[gpu])); c != nil {
			return won(c, "egl-device", fmt.Sprintf("GPU %d of %d: %v", gpu, len(gpus), gpus[gpu]))
		}
		return nil, fmt.Errorf("%s=%d: %s", gpuFrom, gpu, strings.Join(append(why, listing...), "; "))
	}
	for i, g := range gpus {
		if c := try(fmt.Sprintf("egl-device: GPU %d, %v", i, g), device(g)); c != nil {
			return won(c, "egl-device", fmt.Sprintf("GPU %d of %d: %v", i, len(gpus), g))
		}
	}
	if len(gpus) == 0 && len(devs) > 0 {
		why = append(why, "egl-device: no hardware GPU")
	}
	if C.glnn_client_has(cstr("EGL_MESA_platform_surfaceless\x00")) != 0 {
		if c := try("egl-surfaceless", C.glnn_platform_display(C.EGL_PLATFORM_SURFACELESS_MESA, nil)); c != nil {
			return won(c, "egl-surfaceless", "")
		}
	} else {
		why = append(why, "egl-surfaceless: EGL_MESA_platform_surfaceless missing")
	}
	for _, d := range devs {
		if d.software {
			if c := try("egl-device: "+d.String(), device(d)); c != nil {
				return won(c, "egl-device", "")
			}
		}
	}
	if c := try("egl-default", C.glnn_default_display()); c != nil {
		return won(c, "egl-default", "")
	}
	return nil, fmt.Errorf("no EGL context (%s)", strings.Join(append(why, listing...), "; "))
}

// procAddr resolves a GL function through eglGetProcAddress.
func (c *eglContext) procAddr(name string) unsafe.Pointer {
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	return C.glnn_egl_proc(cs)
}

func (c *eglContext) kind() string { return c.route }

func (c *eglContext) notes() []string { return c.why }

// destroy releases the context; it must run on the context's thread.
func (c *eglContext) destroy() {
	C.glnn_destroy_context(c.dpy, c.ctx, c.surf)
	eglUnref(c.dpy)
}

// cstr returns a NUL-terminated Go string constant as a C string pointer
// that C only reads during the call.
func cstr(s string) *C.char { return (*C.char)(unsafe.Pointer(unsafe.StringData(s))) }

func eglErrorName(e C.EGLint) string {
	names := map[C.EGLint]string{
		0x3000: "EGL_SUCCESS", 0x3001: "EGL_NOT_INITIALIZED", 0x3002: "EGL_BAD_ACCESS",
		0x3003: "EGL_BAD_ALLOC", 0x3004: "EGL_BAD_ATTRIBUTE", 0x3005: "EGL_BAD_CONFIG",
		0x3006: "EGL_BAD_CONTEXT", 0x3007: "EGL_BAD_CURRENT_SURFACE", 0x3008: "EGL_BAD_DISPLAY",
		0x3009: "EGL_BAD_MATCH", 0x300A: "EGL_BAD_NATIVE_PIXMAP", 0x300B: "EGL_BAD_NATIVE_WINDOW",
		0x300C: "EGL_BAD_PARAMETER", 0x300D: "EGL_BAD_SURFACE", 0x300E: "EGL_CONTEXT_LOST",
	}
	if n, ok := names[e]; ok {
		return n
	}
	return fmt.Sprintf("EGL error 0x%X", int(e))
}
