//go:build cgo

package gl

// This file holds the //export of the debug callback; cgo allows only
// declarations in the preamble of such a file.

/*
#include <stdint.h>
*/
import "C"

//export glnnDebugMessage
func glnnDebugMessage(source, typ, id, severity C.uint, length C.int, message *C.char, key C.uintptr_t) {
	var msg string
	if length >= 0 {
		msg = C.GoStringN(message, length)
	} else {
		msg = C.GoString(message)
	}
	recordDebug(uintptr(key), uint32(source), uint32(typ), uint32(id), uint32(severity), msg)
}
