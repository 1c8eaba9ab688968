package aotsandbox

// Build flags for the whole package: the header, and the library in the repository's publish folder with an rpath
// so programs run without LD_LIBRARY_PATH (set CGO_LDFLAGS to link another copy). Exported Go trampolines live in
// callbacks.go, whose preamble may hold declarations only (a cgo rule); C helpers live in aotsandbox.go/signals.go.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: -L${SRCDIR}/../../../artifacts/native/lib -Wl,-rpath,${SRCDIR}/../../../artifacts/native/lib -laotsandbox
*/
import "C"
