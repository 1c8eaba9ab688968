/* Shared declarations of the in-sandbox agent (PID 1 of every sandbox). See AGENT-CHANNEL.md for the wire format. */
#ifndef AOTSANDBOX_AGENT_H
#define AOTSANDBOX_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Wire limits. A frame is u32 length (of type+id+payload), u8 type, u32 id, payload. */
#define FRAME_HEADER 9u
#define MAX_PAYLOAD (1024u * 1024u + 64u)
#define MAX_OUTPUT_CHUNK (64u * 1024u)
#define MAX_FILE_CHUNK (1024u * 1024u)
#define MAX_PATH_BYTES 4096u

/* Output towards the host: command pipes are read only while less than this is queued (backpressure). */
#define OUT_SOFT_LIMIT (1024u * 1024u)
/* Requests are read only while less than this is queued, so a host that stops reading cannot grow us unbounded. */
#define OUT_REQUEST_LIMIT (2u * 1024u * 1024u)
/* Per-exec output window: an exec's pipes are read only while less than this is unacknowledged by the host,
   so one slow consumer stalls only its own command, never the other execs or file operations. */
#define OUTPUT_WINDOW (512u * 1024u)
/* Per-exec stdin window; the host sends at most this much beyond the credits it received. */
#define STDIN_WINDOW (1024u * 1024u)

/* Host -> agent request types. */
enum {
    REQ_SPAWN = 0x01,
    REQ_STDIN = 0x02,
    REQ_STDIN_EOF = 0x03,
    REQ_SIGNAL_TREE = 0x04,
    REQ_FILE_READ = 0x05,
    REQ_FILE_WRITE = 0x06,
    REQ_FILE_LIST = 0x07,
    REQ_PING = 0x08,
    REQ_OUTPUT_ACK = 0x09,
    REQ_SPAWN_PTY = 0x0A, /* u16 rows, u16 cols, command: like REQ_SPAWN on a new pseudo-terminal */
    REQ_RESIZE = 0x0B,    /* u16 rows, u16 cols: the exec's terminal size (pty execs only; no reply) */
    REQ_SET_ENV = 0x0C,   /* NAME=VALUE\0 entries: the envs of a claimed pre-warmed sandbox */
};

/* Agent -> host event types. */
enum {
    EV_SPAWNED = 0x81,
    EV_OUTPUT = 0x82,
    EV_EXIT = 0x83,
    EV_STDIN_CREDIT = 0x84,
    EV_FILE_DATA = 0x85,
    EV_FILE_WRITTEN = 0x86,
    EV_FILE_ENTRIES = 0x87,
    EV_ERROR = 0x88,
    EV_PONG = 0x89,
    EV_LOG = 0x8A,
};

/* ---- wire.c: the bounded event queue towards the host and little-endian helpers ---- */
void wire_init(void);
size_t wire_queued(void);
/* Appends one frame; the payload is given in up to two parts so callers need no scratch copy. */
void wire_emit(uint8_t type, uint32_t id, const void *a, size_t alen, const void *b, size_t blen);
/* Reserves room for a frame whose payload the caller fills in place; commit with the final payload size. */
uint8_t *wire_begin(size_t max_payload);
void wire_commit(uint8_t type, uint32_t id, size_t payload_len);
void wire_error(uint32_t id, int err, const char *detail);
void wire_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes queued bytes to fd 1; returns false when the host is gone. */
bool wire_flush(int fd);
void put_u32(uint8_t *p, uint32_t v);
void put_u64(uint8_t *p, uint64_t v);
uint32_t get_u32(const uint8_t *p);
uint64_t get_u64(const uint8_t *p);

/* Terminal sizes accepted for pty execs, both dimensions (the host enforces the same bound). */
#define PTY_MAX_DIMENSION 1000u

/* ---- pty.c: pseudo-terminals for interactive execs ---- */
bool pty_size_valid(uint32_t rows, uint32_t cols);
/* Opens a master/slave pair of the given size, both O_CLOEXEC and O_NOCTTY; -1 with errno on failure. */
int pty_open(uint16_t rows, uint16_t cols, int *master, int *slave);
int pty_resize(int master, uint16_t rows, uint16_t cols);
int pty_make_controlling(int slave);
uint16_t get_u16(const uint8_t *p);

/* ---- exec.c: spawning through a shepherd, output, stdin, tree signals ---- */
struct pollfd;
void exec_spawn(uint32_t id, const uint8_t *command, size_t len);
/* payload: u16 rows, u16 cols, command bytes. Output comes on stream 1 only (a terminal merges stderr). */
void exec_spawn_pty(uint32_t id, const uint8_t *payload, size_t len);
void exec_resize(uint32_t id, const uint8_t *payload, size_t len);
void exec_stdin(uint32_t id, const uint8_t *data, size_t len);
void exec_stdin_eof(uint32_t id);
void exec_signal_tree(uint32_t id, int signo);
void exec_output_ack(uint32_t id, uint32_t bytes);
/* Adds the exec fds to the poll set; returns how many were added. */
size_t exec_poll_fill(struct pollfd *fds, size_t capacity);
void exec_poll_handle(const struct pollfd *fds, size_t count);
/* Reaps exited children (shepherds and orphans) after SIGCHLD. */
void exec_reap(void);
/* Emits exits whose drain period ended; returns the poll timeout in ms until the next deadline (-1 for none). */
int exec_timers(void);
size_t exec_fd_count(void);

/* ---- fileops.c: file requests executed with the sandbox's own view and uid ---- */
void file_read(uint32_t req, const uint8_t *payload, size_t len);
/* Copies a request path into a C string; answers EINVAL/ENAMETOOLONG and returns false for empty, NUL-holding or
   over-long paths. */
bool take_path(uint32_t req, const uint8_t *p, size_t len, char out[MAX_PATH_BYTES + 1]);
void file_list(uint32_t req, const uint8_t *payload, size_t len);

/* ---- filewrite.c: file_write, its data moved from the request pipe into the file by splice(2) ---- */
/* The payload bytes a file_write needs before it can start (offset, truncate, path length, path); 0 while even
   the path length has not arrived. */
size_t file_write_header_bytes(const uint8_t *payload, size_t held);
/* Starts a file_write whose frame carries `total` payload bytes, of which the first `held` are at payload. When
   held < total the rest is still in the request pipe: file_write_continue moves it. */
void file_write_begin(uint32_t req, const uint8_t *payload, size_t held, size_t total);
bool file_write_pending(void);
/* Moves the pending write's data from `in` into its file (or discards it after an error was answered): 1 when the
   request is done, 0 when the pipe is empty for now, -1 when the host closed it. `scratch` is used only when the
   file system cannot splice and for discarding. */
int file_write_continue(int in, uint8_t *scratch, size_t scratch_len);

/* ---- environment.c: the tenant's envs, set once at claim before any command runs ---- */
void env_apply(uint32_t id, const uint8_t *payload, size_t len);
void env_seal(void);

/* ---- launch.c: the host-side launcher mode (joins cgroups and netns, drops to the pool uid, execs bwrap) ---- */
int launch_main(int argc, char **argv);
/* A memfd holding the sandbox's seccomp BPF program (see seccomp.c), for bwrap --seccomp. */
int seccomp_filter_fd(void);

/* ---- util ---- */
int64_t now_ms(void);
const char *errno_name(int err);

#endif
