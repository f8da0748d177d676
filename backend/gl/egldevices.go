//go:build cgo

package gl

// The EGL device platform's devices (EGL_EXT_device_enumeration), as
// eglDev values for numberGPUs (gpus.go).

/*
#cgo pkg-config: egl
#include <string.h>
#include <EGL/egl.h>
#include <EGL/eglext.h>

#ifndef EGL_CUDA_DEVICE_NV
#define EGL_CUDA_DEVICE_NV 0x323A
#endif
#ifndef EGL_DRM_DEVICE_FILE_EXT
#define EGL_DRM_DEVICE_FILE_EXT 0x3233
#endif
#ifndef EGL_DRM_RENDER_NODE_FILE_EXT
#define EGL_DRM_RENDER_NODE_FILE_EXT 0x3377
#endif

typedef EGLBoolean (*glnn_query_devices_fn)(EGLint, EGLDeviceEXT*, EGLint*);
typedef const char* (*glnn_query_device_string_fn)(EGLDeviceEXT, EGLint);
typedef EGLBoolean (*glnn_query_device_attrib_fn)(EGLDeviceEXT, EGLint, EGLAttrib*);

// glnn_has_ext is defined in egl.go's preamble.
int glnn_has_ext(const char* list, const char* name);

// glnn_query_devices fills devs (up to max) and returns how many, or -1
// when EGL_EXT_device_enumeration is missing.
static int glnn_query_devices(EGLDeviceEXT* devs, int max) {
	glnn_query_devices_fn f = (glnn_query_devices_fn)eglGetProcAddress("eglQueryDevicesEXT");
	if (f == NULL) return -1;
	EGLint n = 0;
	if (!f(max, devs, &n)) return -1;
	return n;
}

// glnn_device_info reports what the numbering needs of an EGL device:
// whether it is Mesa's software device, whether it offers
// EGL_NV_device_cuda and its CUDA device number (-1 if none), and its DRM
// render node or device file (NULL if none).
static void glnn_device_info(EGLDeviceEXT dev, int* software, int* cudaExt, int* cuda, const char** file) {
	glnn_query_device_string_fn str = (glnn_query_device_string_fn)eglGetProcAddress("eglQueryDeviceStringEXT");
	glnn_query_device_attrib_fn attr = (glnn_query_device_attrib_fn)eglGetProcAddress("eglQueryDeviceAttribEXT");
	const char* exts = str != NULL ? str(dev, EGL_EXTENSIONS) : NULL;
	*software = glnn_has_ext(exts, "EGL_MESA_device_software");
	*cudaExt = glnn_has_ext(exts, "EGL_NV_device_cuda");
	*cuda = -1;
	*file = NULL;
	EGLAttrib v = -1;
	if (*cudaExt && attr != NULL && attr(dev, EGL_CUDA_DEVICE_NV, &v) && v >= 0) *cuda = (int)v;
	if (str != NULL && glnn_has_ext(exts, "EGL_EXT_device_drm_render_node")) *file = str(dev, EGL_DRM_RENDER_NODE_FILE_EXT);
	if (str != NULL && *file == NULL && glnn_has_ext(exts, "EGL_EXT_device_drm")) *file = str(dev, EGL_DRM_DEVICE_FILE_EXT);
	eglGetError(); // a failed query leaves an error that is no one's concern
}
*/
import "C"

// maxEGLDevices bounds the devices listed.
const maxEGLDevices = 64

// eglDevices lists the device platform's devices, with their handles
// (indexed by eglDev.index). When there are none, why says so.
func eglDevices() (devs []eglDev, handles []C.EGLDeviceEXT, why string) {
	handles = make([]C.EGLDeviceEXT, maxEGLDevices)
	n := int(C.glnn_query_devices(&handles[0], C.int(len(handles))))
	switch {
	case n < 0:
		return nil, nil, "egl-device: eglQueryDevicesEXT failed"
	case n == 0:
		return nil, nil, "egl-device: no devices"
	}
	handles = handles[:n]
	for i, h := range handles {
		var software, cudaExt, cuda C.int
		var file *C.char
		C.glnn_device_info(h, &software, &cudaExt, &cuda, &file)
		devs = append(devs, eglDev{index: i, software: software != 0, cudaExt: cudaExt != 0, cuda: int(cuda), file: C.GoString(file)})
	}
	return devs, handles, ""
}
