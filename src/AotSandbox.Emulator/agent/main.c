/* aotsandbox-agent: PID 1 of a sandbox. Reads requests on fd 0, writes events on fd 1 (see AGENT-CHANNEL.md),
   runs commands through per-exec shepherds and performs file operations with the sandbox's own view.
   Invoked as `aotsandbox-agent launch ...` it is instead the host-side launcher (launch.c). */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

static uint8_t *inbuf;
static size_t in_len;
static const size_t in_cap = FRAME_HEADER + MAX_PAYLOAD;

static void handle_request(uint8_t type, uint32_t id, const uint8_t *p, size_t len)
{
    switch (type) {
    case REQ_SPAWN: exec_spawn(id, p, len); break;
    case REQ_STDIN: exec_stdin(id, p, len); break;
    case REQ_STDIN_EOF: exec_stdin_eof(id); break;
    case REQ_SIGNAL_TREE:
        if (len >= 4) exec_signal_tree(id, (int)get_u32(p));
        break;
    case REQ_FILE_READ: file_read(id, p, len); break;
    case REQ_FILE_WRITE: file_write_begin(id, p, len, len); break;
    case REQ_FILE_LIST: file_list(id, p, len); break;
    case REQ_OUTPUT_ACK:
        if (len >= 4) exec_output_ack(id, get_u32(p));
        break;
    case REQ_SPAWN_PTY: exec_spawn_pty(id, p, len); break;
    case REQ_RESIZE: exec_resize(id, p, len); break;
    case REQ_PING: wire_emit(EV_PONG, id, NULL, 0, NULL, 0); break;
    case REQ_SET_ENV: env_apply(id, p, len); break;
    default: wire_error(id, ENOSYS, "unknown request type"); break;
    }
}

/* Reads at a frame boundary take at most this much: a file_write's data should reach the file by splice(2), not
   through inbuf, and the frame's type is known only once its header is here. Small frames still batch by hundreds. */
#define BOUNDARY_READ (16u * 1024u)

/* The frame at pos is incomplete. If it is a file_write whose offset, flags and path are here, start it: the
   data held so far is written now and the rest is spliced from the pipe (filewrite.c). Returns the new pos. */
static size_t start_partial_write(size_t pos)
{
    const uint8_t *f = inbuf + pos + 4;
    size_t held = in_len - pos - FRAME_HEADER;
    size_t header = file_write_header_bytes(f + 5, held);
    if (f[0] != REQ_FILE_WRITE || header == 0 || header > held) return pos;
    file_write_begin(get_u32(f + 1), f + 5, held, get_u32(inbuf + pos) - 5);
    return in_len;
}

/* Reads what the host sent and handles every complete frame. Returns false when the host closed fd 0. */
static bool read_requests(void)
{
    for (;;) {
        if (file_write_pending()) {
            /* inbuf is empty here: every byte read so far belonged to this write or to frames before it. */
            int state = file_write_continue(0, inbuf, in_cap);
            if (state < 0) return false;
            if (state == 0) break;
            if (wire_queued() >= OUT_REQUEST_LIMIT) break;
            continue;
        }
        size_t room = in_cap - in_len;
        bool known_other = in_len >= FRAME_HEADER && inbuf[4] != REQ_FILE_WRITE;
        if (!known_other && room > BOUNDARY_READ) room = BOUNDARY_READ;
        ssize_t n = read(0, inbuf + in_len, room);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) return false;
        in_len += (size_t)n;
        size_t pos = 0;
        while (in_len - pos >= 4) {
            uint32_t flen = get_u32(inbuf + pos);
            if (flen < 5 || flen > 5 + MAX_PAYLOAD) {
                /* A corrupt stream cannot be resynchronised; ending PID 1 ends the sandbox, which the host notices. */
                wire_log("corrupt request frame (length %u)", flen);
                wire_flush(1);
                _exit(71);
            }
            if (in_len - pos < 4 + (size_t)flen) {
                if (in_len - pos >= FRAME_HEADER) pos = start_partial_write(pos);
                break;
            }
            const uint8_t *f = inbuf + pos + 4;
            handle_request(f[0], get_u32(f + 1), f + 5, flen - 5);
            pos += 4 + (size_t)flen;
        }
        if (pos > 0) memmove(inbuf, inbuf + pos, in_len - pos);
        in_len -= pos;
        if (wire_queued() >= OUT_REQUEST_LIMIT) break;
    }
    return true;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "launch") == 0) return launch_main(argc, argv);

    /* Non-dumpable: code in the sandbox (same uid) cannot ptrace PID 1 or open its /proc files. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    /* Only descriptors 0-2 are ours; anything else inherited would leak into every command. */
    close_range(3, ~0U, 0);
    /* A host that stops reading must give EPIPE, not kill PID 1. No other handlers are installed, so the
       kernel drops every signal sent to PID 1 from inside the namespace. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sigfd < 0) return 70;
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
    if (chdir("/workspace") != 0) { /* keep going: relative file paths will report the error */ }

    wire_init();
    inbuf = malloc(in_cap);
    if (!inbuf) return 70;

    struct pollfd *fds = NULL;
    size_t fds_cap = 0;
    bool host_open = true;
    while (host_open) {
        int timeout = exec_timers();
        size_t need = 3 + exec_fd_count();
        if (need > fds_cap) {
            fds_cap = need * 2;
            fds = realloc(fds, fds_cap * sizeof *fds);
            if (!fds) return 70;
        }
        fds[0] = (struct pollfd){ .fd = 0, .events = wire_queued() < OUT_REQUEST_LIMIT ? POLLIN : 0 };
        fds[1] = (struct pollfd){ .fd = 1, .events = wire_queued() > 0 ? POLLOUT : 0 };
        fds[2] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
        size_t count = 3 + exec_poll_fill(fds + 3, fds_cap - 3);
        if (poll(fds, count, timeout) < 0) {
            if (errno == EINTR) continue;
            return 70;
        }
        if (fds[2].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sigfd, &si, sizeof si) == sizeof si) {}
            exec_reap();
        }
        exec_poll_handle(fds + 3, count - 3);
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) host_open = read_requests();
        if (!wire_flush(1)) host_open = false;
    }
    /* The host is gone: returning from PID 1 makes the kernel kill every process of the sandbox. */
    return 0;
}
