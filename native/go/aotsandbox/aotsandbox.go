// Package aotsandbox is the Go binding of libaotsandbox.so (the AotSandbox SDK built with .NET Native AOT).
//
// Handles have an idempotent Close; blocking calls take a context-free *Cancel and a timeout (the C API's own
// cancellation model); output callbacks are plain funcs invoked on library threads. Importing the package starts the
// .NET runtime and makes its signal handlers safe for Go (see signals.go and native/README.md).
package aotsandbox

/*
#include <stdint.h>
#include <stdlib.h>
#include "aotsandbox.h"

// Defined in callbacks.go (//export).
extern void aotsbGoOutput(void *user_data, int32_t stream, uint8_t *data, size_t len);

// A cgo.Handle travels as user_data: an integer, never a Go pointer.
static inline void *aotsb_go_handle(uintptr_t h) { return (void *)h; }
static inline aotsb_output_fn aotsb_go_trampoline(void) { return (aotsb_output_fn)aotsbGoOutput; }
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"time"
	"unsafe"
)

// Status is an aotsb_status_t.
type Status int32

// The statuses callers usually branch on; see the header for the full list.
const (
	OK                 Status = 0
	InvalidArgument    Status = 1
	Cancelled          Status = 2
	Timeout            Status = 3
	NotFound           Status = 6
	CommandNotFound    Status = 9
	PortNotProvisioned Status = 11
)

func (s Status) String() string { return C.GoString(C.aotsb_status_string(C.int32_t(s))) }

// Error is a failed call: the status and the library's message.
type Error struct {
	Status  Status
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Status, e.Message) }

// Stream tells stdout from stderr in output callbacks.
type Stream int

const (
	Stdout Stream = 0
	Stderr Stream = 1
)

// OutputFunc receives output chunks on a library thread, one at a time per sandbox. The slice is the caller's.
type OutputFunc func(stream Stream, data []byte)

// Version is the library version; ABIMatches tells whether the loaded library has the ABI this package was written for.
func Version() string  { return C.GoString(C.aotsb_version()) }
func ABIMatches() bool { return uint32(C.aotsb_abi_version()) == uint32(C.AOTSB_ABI_VERSION) }

// call runs one C call with an error out-parameter and converts the outcome, freeing the error object.
func call(f func(**C.aotsb_error_t) C.aotsb_status_t) error {
	var e *C.aotsb_error_t
	status := f(&e)
	if status == C.AOTSB_OK {
		return nil
	}
	err := &Error{Status: Status(status)}
	if e != nil {
		err.Message = C.GoString(C.aotsb_error_message(e))
		C.aotsb_error_free(e)
	}
	return err
}

// str lends a Go string to C as (pointer, length) for the duration of one call; the bytes hold no Go pointers.
func str(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	b := []byte(s)
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

func bytesArg(b []byte) (*C.uint8_t, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

func ms(d time.Duration) C.uint32_t {
	if d <= 0 {
		return 0
	}
	if d < time.Millisecond {
		return 1
	}
	return C.uint32_t(d / time.Millisecond)
}

func goText(p *C.char, n C.size_t) string {
	if p == nil {
		return ""
	}
	return C.GoStringN(p, C.int(n))
}

// callback pins an OutputFunc behind a cgo.Handle for as long as the C side may call it.
type callback struct{ handle cgo.Handle }

func newCallback(fn OutputFunc) *callback {
	if fn == nil {
		return nil
	}
	return &callback{handle: cgo.NewHandle(fn)}
}

func (c *callback) parts() (C.aotsb_output_fn, unsafe.Pointer) {
	if c == nil {
		return nil, nil
	}
	return C.aotsb_go_trampoline(), C.aotsb_go_handle(C.uintptr_t(c.handle))
}

func (c *callback) release() {
	if c != nil {
		c.handle.Delete()
	}
}

// Cancel is an aotsb_cancel_t: pass it to blocking calls, Cancel it from any goroutine.
type Cancel struct {
	raw  *C.aotsb_cancel_t
	once sync.Once
}

func NewCancel() (*Cancel, error) {
	c := &Cancel{}
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_cancel_new(&c.raw, e) }); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cancel) Cancel() error {
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_cancel_cancel(c.raw, e) })
}

// Close frees the token; no call using it may still run.
func (c *Cancel) Close() { c.once.Do(func() { C.aotsb_cancel_free(c.raw) }) }

func (c *Cancel) ptr() *C.aotsb_cancel_t {
	if c == nil {
		return nil
	}
	return c.raw
}

// ClientOptions: unset credentials come from __OW_API_HOST / __OW_NAMESPACE / __OW_API_KEY.
type ClientOptions struct {
	APIHost, Namespace, APIKey string
	SkipTLSVerify              bool
	TrustedCAPEM               string
}

// Client is immutable and safe for concurrent use.
type Client struct {
	raw  *C.aotsb_client_t
	once sync.Once
}

func NewClient(o ClientOptions) (*Client, error) {
	var cfg *C.aotsb_config_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_config_new(&cfg, e) }); err != nil {
		return nil, err
	}
	defer C.aotsb_config_free(cfg)
	set := func(v string, f func(*C.aotsb_config_t, *C.char, C.size_t, **C.aotsb_error_t) C.aotsb_status_t) error {
		if v == "" {
			return nil
		}
		p, n := str(v)
		return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return f(cfg, p, n, e) })
	}
	for _, err := range []error{
		set(o.APIHost, func(c *C.aotsb_config_t, p *C.char, n C.size_t, e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_config_set_api_host(c, p, n, e)
		}),
		set(o.Namespace, func(c *C.aotsb_config_t, p *C.char, n C.size_t, e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_config_set_namespace(c, p, n, e)
		}),
		set(o.APIKey, func(c *C.aotsb_config_t, p *C.char, n C.size_t, e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_config_set_api_key(c, p, n, e)
		}),
		set(o.TrustedCAPEM, func(c *C.aotsb_config_t, p *C.char, n C.size_t, e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_config_add_trusted_ca_pem(c, p, n, e)
		}),
	} {
		if err != nil {
			return nil, err
		}
	}
	if o.SkipTLSVerify {
		if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_config_set_skip_tls_verify(cfg, 1, e) }); err != nil {
			return nil, err
		}
	}
	c := &Client{}
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_client_new(cfg, &c.raw, e) }); err != nil {
		return nil, err
	}
	fixSignals()
	return c, nil
}

func (c *Client) Close() { c.once.Do(func() { C.aotsb_client_free(c.raw) }) }

// Size tiers.
type Size int32

const (
	Small  Size = 0
	Medium Size = 1
	Large  Size = 2
	XLarge Size = 3
)

// CreateOptions describe a new sandbox; zero values mean the SDK defaults (except Size: Small is 0).
type CreateOptions struct {
	Name        string
	Size        Size
	IdleTimeout time.Duration
	MaxLifetime time.Duration
	Ports       []int
	Envs        map[string]string
	PolicyJSON  string // wire JSON, e.g. {"network":{"egress":"allow-all"}}
}

// Sandbox is a connected sandbox; safe for concurrent use. Close only closes the connection.
type Sandbox struct {
	raw  *C.aotsb_sandbox_t
	once sync.Once
}

func Create(client *Client, o CreateOptions, timeout time.Duration, cancel *Cancel) (*Sandbox, error) {
	var opts *C.aotsb_create_options_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_create_options_new(&opts, e) }); err != nil {
		return nil, err
	}
	defer C.aotsb_create_options_free(opts)
	steps := []func(e **C.aotsb_error_t) C.aotsb_status_t{
		func(e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_create_options_set_size(opts, C.int32_t(o.Size), e)
		},
	}
	if o.Name != "" {
		p, n := str(o.Name)
		steps = append(steps, func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_create_options_set_name(opts, p, n, e) })
	}
	if o.IdleTimeout > 0 {
		steps = append(steps, func(e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_create_options_set_idle_timeout(opts, C.uint32_t(o.IdleTimeout/time.Second), e)
		})
	}
	if o.MaxLifetime > 0 {
		steps = append(steps, func(e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_create_options_set_max_lifetime(opts, C.uint32_t(o.MaxLifetime/time.Second), e)
		})
	}
	for _, port := range o.Ports {
		port := port
		steps = append(steps, func(e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_create_options_add_port(opts, C.int32_t(port), e)
		})
	}
	for k, v := range o.Envs {
		kp, kn := str(k)
		vp, vn := str(v)
		steps = append(steps, func(e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_create_options_set_env(opts, kp, kn, vp, vn, e)
		})
	}
	if o.PolicyJSON != "" {
		p, n := str(o.PolicyJSON)
		steps = append(steps, func(e **C.aotsb_error_t) C.aotsb_status_t {
			return C.aotsb_create_options_set_policy_json(opts, p, n, e)
		})
	}
	for _, step := range steps {
		if err := call(step); err != nil {
			return nil, err
		}
	}
	s := &Sandbox{}
	err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_sandbox_create(client.raw, opts, cancel.ptr(), ms(timeout), &s.raw, e)
	})
	runtime.KeepAlive(steps)
	if err != nil {
		return nil, err
	}
	fixSignals()
	return s, nil
}

// Attach connects to an existing sandbox with its session token.
func Attach(client *Client, id, token string, timeout time.Duration) (*Sandbox, error) {
	ip, in := str(id)
	tp, tn := str(token)
	s := &Sandbox{}
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_sandbox_attach(client.raw, ip, in, tp, tn, nil, ms(timeout), &s.raw, e)
	}); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Sandbox) Close() { s.once.Do(func() { C.aotsb_sandbox_free(s.raw) }) }

func (s *Sandbox) ID() string {
	var p *C.char
	var n C.size_t
	_ = call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_sandbox_id(s.raw, &p, &n, e) })
	return goText(p, n)
}

func (s *Sandbox) SessionToken() string {
	var p *C.char
	var n C.size_t
	_ = call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_sandbox_session_token(s.raw, &p, &n, e) })
	return goText(p, n)
}

func (s *Sandbox) PreviewURL(port int) (string, error) {
	var p *C.char
	var n C.size_t
	err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_sandbox_preview_url(s.raw, C.int32_t(port), &p, &n, e)
	})
	return goText(p, n), err
}

func (s *Sandbox) Destroy(timeout time.Duration) error {
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_sandbox_destroy(s.raw, nil, ms(timeout), e) })
}

// Exit is how a command ended; HasCode is false when the sandbox was destroyed first.
type Exit struct {
	Code      int
	HasCode   bool
	Destroyed bool
}

func exitFrom(x C.aotsb_exit_t) Exit {
	return Exit{Code: int(x.exit_code), HasCode: x.has_exit_code != 0, Destroyed: x.destroyed != 0}
}

// Result of a foreground command.
type Result struct {
	ExecID         string
	Stdout, Stderr []byte
	Exit           Exit
}

func takeResult(r *C.aotsb_exec_result_t) (*Result, error) {
	defer C.aotsb_exec_result_free(r)
	var out Result
	var p *C.char
	var n C.size_t
	var d *C.uint8_t
	var x C.aotsb_exit_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_result_exec_id(r, &p, &n, e) }); err != nil {
		return nil, err
	}
	out.ExecID = goText(p, n)
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_result_stdout(r, &d, &n, e) }); err != nil {
		return nil, err
	}
	out.Stdout = C.GoBytes(unsafe.Pointer(d), C.int(n))
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_result_stderr(r, &d, &n, e) }); err != nil {
		return nil, err
	}
	out.Stderr = C.GoBytes(unsafe.Pointer(d), C.int(n))
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_result_exit(r, &x, e) }); err != nil {
		return nil, err
	}
	out.Exit = exitFrom(x)
	return &out, nil
}

// ExecOptions of Exec: Stdin (written then closed; nil = none), OnOutput (streams instead of capturing), Cancel, Timeout.
type ExecOptions struct {
	Stdin    []byte
	OnOutput OutputFunc
	Cancel   *Cancel
	Timeout  time.Duration
}

// Exec runs a command to completion. A non-zero exit code is not an error.
func (s *Sandbox) Exec(command string, o ExecOptions) (*Result, error) {
	cp, cn := str(command)
	var sp *C.uint8_t
	var sn C.size_t
	if o.Stdin != nil {
		sp, sn = bytesArg(o.Stdin)
		if sp == nil {
			empty := make([]byte, 1)
			sp = (*C.uint8_t)(unsafe.Pointer(&empty[0])) // empty but present: stdin closed at once
		}
	}
	cb := newCallback(o.OnOutput)
	defer cb.release() // aotsb_exec guarantees no callback after it returns
	fn, ud := cb.parts()
	var r *C.aotsb_exec_result_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_exec(s.raw, cp, cn, sp, sn, fn, ud, o.Cancel.ptr(), ms(o.Timeout), &r, e)
	}); err != nil {
		return nil, err
	}
	return takeResult(r)
}

// Process is a foreground command started with Start.
type Process struct {
	raw  *C.aotsb_exec_t
	cb   *callback
	once sync.Once
}

// Start runs a command and returns at once; feed stdin, kill, wait. Close the Process when done.
func (s *Sandbox) Start(command string, onOutput OutputFunc) (*Process, error) {
	cp, cn := str(command)
	p := &Process{cb: newCallback(onOutput)}
	fn, ud := p.cb.parts()
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_exec_start(s.raw, cp, cn, fn, ud, &p.raw, e)
	}); err != nil {
		p.cb.release()
		return nil, err
	}
	return p, nil
}

func (p *Process) WriteStdin(data []byte) error {
	d, n := bytesArg(data)
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_exec_write_stdin(p.raw, d, n, nil, 10000, e)
	})
}

func (p *Process) CloseStdin() error {
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_close_stdin(p.raw, nil, 10000, e) })
}

func (p *Process) Kill(signal string) error {
	sp, sn := str(signal)
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_kill(p.raw, sp, sn, nil, 10000, e) })
}

// Wait for the end; a timeout only stops waiting.
func (p *Process) Wait(timeout time.Duration) (*Result, error) {
	var r *C.aotsb_exec_result_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_exec_wait(p.raw, nil, ms(timeout), &r, e) }); err != nil {
		return nil, err
	}
	return takeResult(r)
}

func (p *Process) Close() {
	p.once.Do(func() {
		C.aotsb_exec_free(p.raw) // after this the callback is never called again
		p.cb.release()
	})
}

// Command is a detached command.
type Command struct {
	raw  *C.aotsb_command_t
	cb   *callback
	once sync.Once
}

// StartDetached starts a background command that outlives this connection.
func (s *Sandbox) StartDetached(command string, onOutput OutputFunc, timeout time.Duration) (*Command, error) {
	cp, cn := str(command)
	c := &Command{cb: newCallback(onOutput)}
	fn, ud := c.cb.parts()
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_command_start(s.raw, cp, cn, nil, 0, fn, ud, nil, ms(timeout), &c.raw, e)
	}); err != nil {
		c.cb.release()
		return nil, err
	}
	return c, nil
}

// GetCommand re-attaches to a detached command by exec id; replay resends buffered output first.
func (s *Sandbox) GetCommand(execID string, replay bool, onOutput OutputFunc, timeout time.Duration) (*Command, error) {
	ip, in := str(execID)
	r := C.int32_t(0)
	if replay {
		r = 1
	}
	c := &Command{cb: newCallback(onOutput)}
	fn, ud := c.cb.parts()
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_command_get(s.raw, ip, in, r, fn, ud, nil, ms(timeout), &c.raw, e)
	}); err != nil {
		c.cb.release()
		return nil, err
	}
	return c, nil
}

func (c *Command) ExecID() string {
	var p *C.char
	var n C.size_t
	_ = call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_command_exec_id(c.raw, &p, &n, e) })
	return goText(p, n)
}

// Pid inside the sandbox, or -1.
func (c *Command) Pid() int64 {
	var pid C.int64_t = -1
	_ = call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_command_pid(c.raw, &pid, e) })
	return int64(pid)
}

func (c *Command) WriteStdin(data []byte) error {
	d, n := bytesArg(data)
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_command_write_stdin(c.raw, d, n, nil, 10000, e)
	})
}

func (c *Command) CloseStdin() error {
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_command_close_stdin(c.raw, nil, 10000, e) })
}

func (c *Command) Kill(signal string) error {
	sp, sn := str(signal)
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_command_kill(c.raw, sp, sn, nil, 10000, e) })
}

func (c *Command) Wait(timeout time.Duration) (Exit, error) {
	var x C.aotsb_exit_t
	err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_command_wait(c.raw, nil, ms(timeout), &x, e)
	})
	return exitFrom(x), err
}

func (c *Command) Close() {
	c.once.Do(func() {
		C.aotsb_command_free(c.raw)
		c.cb.release()
	})
}

// WriteFile creates or replaces a file.
func (s *Sandbox) WriteFile(path string, data []byte, timeout time.Duration) error {
	pp, pn := str(path)
	d, n := bytesArg(data)
	return call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_file_write(s.raw, pp, pn, d, n, nil, ms(timeout), e)
	})
}

// ReadFile returns a whole file.
func (s *Sandbox) ReadFile(path string, timeout time.Duration) ([]byte, error) {
	pp, pn := str(path)
	var d *C.uint8_t
	var n C.size_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_file_read(s.raw, pp, pn, nil, ms(timeout), &d, &n, e)
	}); err != nil {
		return nil, err
	}
	defer C.aotsb_free(unsafe.Pointer(d))
	return C.GoBytes(unsafe.Pointer(d), C.int(n)), nil
}

// FileEntry is one directory entry; Size is -1 when unknown.
type FileEntry struct {
	Name, Type  string
	Size        int64
	IsDirectory bool
}

// ListFiles lists a directory.
func (s *Sandbox) ListFiles(path string, timeout time.Duration) ([]FileEntry, error) {
	pp, pn := str(path)
	var l *C.aotsb_file_list_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t {
		return C.aotsb_file_list(s.raw, pp, pn, nil, ms(timeout), &l, e)
	}); err != nil {
		return nil, err
	}
	defer C.aotsb_file_list_free(l)
	var count C.size_t
	if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_file_list_count(l, &count, e) }); err != nil {
		return nil, err
	}
	out := make([]FileEntry, 0, int(count))
	for i := C.size_t(0); i < count; i++ {
		var raw C.aotsb_file_entry_t
		if err := call(func(e **C.aotsb_error_t) C.aotsb_status_t { return C.aotsb_file_list_get(l, i, &raw, e) }); err != nil {
			return nil, err
		}
		out = append(out, FileEntry{
			Name:        goText(raw.name, raw.name_len),
			Type:        goText(raw._type, raw.type_len),
			Size:        int64(raw.size),
			IsDirectory: raw.is_directory != 0,
		})
	}
	return out, nil
}
