//go:build cgo

package gl

/*
#include <stdint.h>

#ifndef APIENTRY
#define APIENTRY
#endif

// The GL types of glDebugMessageCallback, spelled without GL headers.
typedef void (APIENTRY *glnn_debug_proc)(unsigned int source, unsigned int type, unsigned int id,
	unsigned int severity, int length, const char* message, const void* user);
typedef void (APIENTRY *glnn_debug_message_callback_fn)(glnn_debug_proc cb, const void* user);

extern void glnnDebugMessage(unsigned int source, unsigned int type, unsigned int id,
	unsigned int severity, int length, char* message, uintptr_t key);

static void APIENTRY glnn_debug_cb(unsigned int source, unsigned int type, unsigned int id,
	unsigned int severity, int length, const char* message, const void* user) {
	glnnDebugMessage(source, type, id, severity, length, (char*)message, (uintptr_t)user);
}

// glnn_install_debug registers glnn_debug_cb through the context's
// glDebugMessageCallback, with the device's key as user parameter.
static void glnn_install_debug(void* fn, uintptr_t key) {
	((glnn_debug_message_callback_fn)fn)(glnn_debug_cb, (const void*)key);
}
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/go-gl/gl/v4.5-core/gl"
)

// Debug output. go-gl's DebugMessageCallback keeps one callback in a
// package variable for every context; glnn registers its own C callback
// instead, with a per-device key as user parameter, so several devices can
// report their own messages.

var (
	debugMu   sync.Mutex
	debugNext uintptr
	debugSink = map[uintptr]*debugLog{}
)

// debugLog collects a device's debug messages of type error or high
// severity; Sync reports them.
type debugLog struct {
	mu   sync.Mutex
	msgs []string
}

func (l *debugLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.msgs
	l.msgs = nil
	return m
}

// installDebug turns on synchronous debug output for the current context
// and routes its errors to log. It returns the key to pass to
// uninstallDebug.
func installDebug(procAddr func(string) unsafe.Pointer, log *debugLog) (uintptr, error) {
	fn := procAddr("glDebugMessageCallback")
	if fn == nil {
		return 0, fmt.Errorf("glDebugMessageCallback unavailable")
	}
	debugMu.Lock()
	debugNext++
	key := debugNext
	debugSink[key] = log
	debugMu.Unlock()
	gl.Enable(gl.DEBUG_OUTPUT)
	gl.Enable(gl.DEBUG_OUTPUT_SYNCHRONOUS)
	C.glnn_install_debug(fn, C.uintptr_t(key))
	return key, nil
}

func uninstallDebug(key uintptr) {
	debugMu.Lock()
	delete(debugSink, key)
	debugMu.Unlock()
}

// recordDebug is called (on the context's thread) for every debug message.
func recordDebug(key uintptr, source, typ, id, severity uint32, msg string) {
	if typ != gl.DEBUG_TYPE_ERROR && severity != gl.DEBUG_SEVERITY_HIGH ||
		source == gl.DEBUG_SOURCE_SHADER_COMPILER { // compile errors are returned with the info log
		return
	}
	debugMu.Lock()
	l := debugSink[key]
	debugMu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.msgs) < 16 {
		l.msgs = append(l.msgs, strings.TrimSpace(msg))
	}
}
