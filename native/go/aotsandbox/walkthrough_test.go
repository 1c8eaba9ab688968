package aotsandbox

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const T = 20 * time.Second

// requireService fails (not skips) without credentials: the repository's xunit test always provides an emulator.
func requireService(t *testing.T) *Client {
	t.Helper()
	if os.Getenv("__OW_API_HOST") == "" {
		t.Fatal("set __OW_API_HOST/__OW_NAMESPACE/__OW_API_KEY (an emulator)")
	}
	c, err := NewClient(ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func status(err error) Status {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return OK
}

func TestWalkthrough(t *testing.T) {
	if !ABIMatches() {
		t.Fatal("ABI mismatch")
	}
	t.Logf("libaotsandbox %s", Version())
	client := requireService(t)
	defer client.Close()

	sb, err := Create(client, CreateOptions{
		Name: "go-walkthrough", Size: Small, Ports: []int{3000},
		Envs:       map[string]string{"GREETING": "hello from Go"},
		PolicyJSON: `{"network":{"egress":[{"host":"*.adobe.io","port":443,"rules":[{"methods":["GET"],"pathPattern":"/x/**"}]}]}}`,
	}, 60*time.Second, nil)
	if err != nil {
		t.Fatal("create: ", err)
	}
	defer sb.Close()
	t.Logf("created %s", sb.ID())

	r, err := sb.Exec(`echo "$GREETING"; exit 5`, ExecOptions{Timeout: T})
	if err != nil || string(r.Stdout) != "hello from Go\n" || r.Exit.Code != 5 || !r.Exit.HasCode {
		t.Fatalf("exec: %v %+v", err, r)
	}

	var mu sync.Mutex
	var streamed bytes.Buffer
	r, err = sb.Exec("for i in 1 2 3; do echo g$i; done", ExecOptions{Timeout: T, OnOutput: func(s Stream, d []byte) {
		mu.Lock()
		defer mu.Unlock()
		if s == Stdout {
			streamed.Write(d)
		}
	}})
	if err != nil || streamed.String() != "g1\ng2\ng3\n" || len(r.Stdout) != 0 {
		t.Fatalf("streamed: %v [%s]", err, streamed.String())
	}

	r, err = sb.Exec("rev", ExecOptions{Stdin: []byte("abc\n"), Timeout: T})
	if err != nil || string(r.Stdout) != "cba\n" {
		t.Fatalf("stdin exec: %v %+v", err, r)
	}
	p, err := sb.Start("cat", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WriteStdin([]byte("pong\n")); err != nil {
		t.Fatal(err)
	}
	if err := p.CloseStdin(); err != nil {
		t.Fatal(err)
	}
	if r, err = p.Wait(T); err != nil || string(r.Stdout) != "pong\n" {
		t.Fatalf("interactive: %v %+v", err, r)
	}
	p.Close()

	if _, err = sb.Exec("sleep 20", ExecOptions{Timeout: 300 * time.Millisecond}); status(err) != Timeout {
		t.Fatalf("timeout: %v", err)
	}
	cancel, _ := NewCancel()
	defer cancel.Close()
	go func() { time.Sleep(300 * time.Millisecond); _ = cancel.Cancel() }()
	if _, err = sb.Exec("sleep 20", ExecOptions{Cancel: cancel}); status(err) != Cancelled {
		t.Fatalf("cancel: %v", err)
	}

	if url, err := sb.PreviewURL(3000); err != nil || !strings.Contains(url, "3000") {
		t.Fatalf("url %q %v", url, err)
	}
	if _, err := sb.PreviewURL(3001); status(err) != PortNotProvisioned {
		t.Fatalf("3001: %v", err)
	}

	cmd, err := sb.StartDetached("sleep 0.3; echo bg; exit 6", nil, T)
	if err != nil || cmd.Pid() <= 0 {
		t.Fatalf("detached: %v pid %d", err, cmd.Pid())
	}
	other, err := Attach(client, sb.ID(), sb.SessionToken(), T)
	if err != nil {
		t.Fatal("attach: ", err)
	}
	var got bytes.Buffer
	again, err := other.GetCommand(cmd.ExecID(), true, func(_ Stream, d []byte) { mu.Lock(); got.Write(d); mu.Unlock() }, T)
	if err != nil {
		t.Fatal("get command: ", err)
	}
	if exit, err := again.Wait(T); err != nil || exit.Code != 6 {
		t.Fatalf("re-attached wait: %v %+v", err, exit)
	}
	again.Close()
	mu.Lock()
	if got.String() != "bg\n" {
		t.Fatalf("re-attached output %q", got.String())
	}
	mu.Unlock()
	if _, err := other.GetCommand("exec-nope", false, nil, T); status(err) != CommandNotFound {
		t.Fatalf("unknown exec id: %v", err)
	}
	other.Close()
	cmd.Close()

	var echoed bytes.Buffer
	cat, err := sb.StartDetached("cat", func(_ Stream, d []byte) { mu.Lock(); echoed.Write(d); mu.Unlock() }, T)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.WriteStdin([]byte("to detached\n")); err != nil {
		t.Fatal(err)
	}
	if err := cat.CloseStdin(); err != nil {
		t.Fatal(err)
	}
	if exit, err := cat.Wait(T); err != nil || exit.Code != 0 {
		t.Fatalf("detached cat: %v %+v", err, exit)
	}
	cat.Close()
	mu.Lock()
	if echoed.String() != "to detached\n" {
		t.Fatalf("detached cat echoed %q", echoed.String())
	}
	mu.Unlock()

	sleeper, err := sb.StartDetached("sleep 30", nil, T)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sleeper.Wait(200 * time.Millisecond); status(err) != Timeout {
		t.Fatalf("wait while running: %v", err)
	}
	if err := sleeper.Kill("SIGKILL"); err != nil {
		t.Fatal(err)
	}
	if exit, err := sleeper.Wait(T); err != nil || (exit.HasCode && exit.Code == 0) {
		t.Fatalf("killed: %v %+v", err, exit)
	}
	sleeper.Close()

	blob := []byte{0, 1, 2, 0xff, '\n'}
	if err := sb.WriteFile("go/blob.bin", blob, T); err != nil {
		t.Fatal(err)
	}
	if back, err := sb.ReadFile("go/blob.bin", T); err != nil || !bytes.Equal(back, blob) {
		t.Fatalf("read %v %v", back, err)
	}
	entries, err := sb.ListFiles("go", T)
	found := false
	for _, e := range entries {
		found = found || (e.Name == "blob.bin" && e.Size == 5 && !e.IsDirectory)
	}
	if err != nil || !found {
		t.Fatalf("list %v %+v", err, entries)
	}

	if err := sb.Destroy(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	t.Log("GO WALKTHROUGH OK")
}
