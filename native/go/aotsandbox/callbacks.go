package aotsandbox

/*
#include <stdint.h>
#include <stddef.h>
*/
import "C"

import (
	"runtime/cgo"
	"unsafe"
)

// aotsbGoOutput is the C-callable output trampoline. It runs on a .NET thread that Go adopts for the call; the
// chunk is copied because the library lends it only for the duration of the call.
//
//export aotsbGoOutput
func aotsbGoOutput(userData unsafe.Pointer, stream C.int32_t, data *C.uint8_t, n C.size_t) {
	fn, ok := cgo.Handle(uintptr(userData)).Value().(OutputFunc)
	if !ok {
		return
	}
	chunk := C.GoBytes(unsafe.Pointer(data), C.int(n))
	s := Stdout
	if stream == 1 {
		s = Stderr
	}
	defer func() {
		// A panic must not unwind into the C frames of the library; the chunk is dropped instead.
		_ = recover()
	}()
	fn(s, chunk)
}
