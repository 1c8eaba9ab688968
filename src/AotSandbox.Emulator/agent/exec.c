/* Commands: every exec runs under its own shepherd, a child of the agent that is a subreaper, so every
   descendant of the command (also double-forked daemons) stays below the shepherd and can be found by
   walking parent links in /proc. The shepherd reports the main process's pid and exit status over a pipe.
   The agent owns the command's stdin/stdout/stderr pipes and moves bytes without ever blocking. */
#include "agent.h"

#include <sys/ioctl.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* After the main process exits, output is drained until the pipes reach EOF, or they stayed silent this
   long, or this much time passed in total: a background child holding the pipes must not delay the exit. */
#define DRAIN_SILENCE_MS 25
#define DRAIN_MAX_MS 250

enum { ST_STARTED = 1, ST_EXITED = 2, ST_FAILED = 3 };
enum { ROLE_STATUS, ROLE_STDOUT, ROLE_STDERR, ROLE_STDIN };

struct exec {
    uint32_t id;
    pid_t shepherd;
    bool shepherd_alive;
    int status_fd, out_fd, err_fd, in_fd;
    uint8_t *in_buf;
    size_t in_head, in_len;
    size_t out_unacked; /* output bytes sent but not yet acknowledged by the host */
    bool in_eof;
    bool pty; /* out_fd is a terminal master (in_fd a duplicate of it); there is no stderr */
    bool spawned_sent, main_exited, exit_sent;
    int exit_code;
    int64_t drain_started, last_output;
    /* Bytes that sat in the stdout/stderr pipes when the main process exited: written before the exit, so they are
       delivered before exec.exit however long the host takes. Bounded by the pipes' capacity. */
    size_t drain_left;
    struct exec *next;
};

static struct exec *execs;
static size_t exec_count;

/* Which exec and pipe each entry added by exec_poll_fill belongs to. */
static struct exec **poll_owner;
static uint8_t *poll_role;
static size_t poll_cap;

static struct exec *find(uint32_t id)
{
    for (struct exec *e = execs; e; e = e->next)
        if (e->id == id) return e;
    return NULL;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void credit(struct exec *e, size_t n)
{
    uint8_t p[4];
    put_u32(p, (uint32_t)n);
    wire_emit(EV_STDIN_CREDIT, e->id, p, 4, NULL, 0);
}

static void drop_stdin(struct exec *e)
{
    if (e->in_len) credit(e, e->in_len);
    free(e->in_buf);
    e->in_buf = NULL;
    e->in_head = e->in_len = 0;
    close_fd(&e->in_fd);
}

/* ---------- the shepherd and the command (run in forked children, never return) ---------- */

static void write_status(int fd, int kind, int value)
{
    int32_t rec[2] = { kind, value };
    ssize_t ignored = write(fd, rec, sizeof rec);
    (void)ignored;
}

/* Test hook (see AGENT-CHANNEL.md, "fd audit"): with AOTSANDBOX_AGENT_FD_AUDIT set in the sandbox environment, writes one
   line listing every descriptor this process holds, at the moment it becomes dumpable, to `out` (the command's stderr).
   It tells the tenant nothing it could not see from its own /proc/self/fd; the tests use it to prove that no host pipe
   is ever open in a dumpable sandbox process. */
static void audit_fds(int out)
{
    if (!getenv("AOTSANDBOX_AGENT_FD_AUDIT")) return;
    char line[4096];
    size_t n = (size_t)snprintf(line, sizeof line, "aotsandbox-agent fd audit:");
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long fd = strtol(de->d_name, &end, 10);
        if (*end || de->d_name[0] == '.' || fd == dirfd(d)) continue;
        char path[64], target[256];
        snprintf(path, sizeof path, "/proc/self/fd/%ld", fd);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len < 0) len = 0;
        target[len] = 0;
        int w = snprintf(line + n, sizeof line - n, " %ld=%s", fd, target);
        if (w < 0 || (size_t)w >= sizeof line - n) break;
        n += (size_t)w;
    }
    closedir(d);
    if (n < sizeof line - 1) line[n++] = '\n';
    ssize_t ignored = write(out, line, n);
    (void)ignored;
}

static void run_command(int in_r, int out_w, int err_w, bool pty, const char *command)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Ignored dispositions survive exec, and the agent inherits whatever its launcher's parent ignored (an emulator
       started as a background job of a non-interactive shell ignores SIGINT and SIGQUIT): commands expect the
       defaults, and an interactive shell that finds SIGINT ignored can never be interrupted with Ctrl-C. */
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    /* On a terminal the command leads a new session whose controlling terminal is its own pty (never one shared with
       anything else), so Ctrl-C and resizes reach its foreground job. */
    if (pty && (setsid() < 0 || pty_make_controlling(in_r) != 0)) _exit(127);
    if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) _exit(127);
    close_range(3, ~0U, 0);
    /* The agent runs with oom_score_adj -1000 (or 0 where the host lacks CAP_SYS_RESOURCE); commands run at +1000 so
       that in a memory-cgroup OOM they are always chosen before the agent. Raising the value is unprivileged but needs
       our own /proc file, which a non-dumpable task cannot open, hence the toggle. It happens only here, once this
       process holds nothing but its own stdio (close_range above): same-uid code that opens /proc/PID/fd or ptraces
       us in this window finds exactly what it could find after the exec, never the agent's host pipes, its signalfd
       or another command's pipes. The shepherd stays non-dumpable for its whole life. */
    audit_fds(2);
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (oom >= 0) {
        ssize_t ignored = write(oom, "1000", 4);
        (void)ignored;
        close(oom);
    }
    setsid(); /* own session, no controlling terminal shared with anything (TIOCSTI) */
    if (chdir("/workspace") != 0) _exit(127);
    char *argv[] = { "sh", "-c", (char *)command, NULL };
    execve("/bin/sh", argv, environ);
    _exit(127);
}

static void run_shepherd(int in_r, int out_w, int err_w, int status_w, bool pty, const char *command)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    /* Never dumpable: until the redirect below this process holds the agent's host pipes. The command raises its
       own oom_score_adj (run_command), after it has dropped everything but its stdio. */
    pid_t child = fork();
    if (child == 0) run_command(in_r, out_w, err_w, pty, command);
    if (child < 0) {
        write_status(status_w, ST_FAILED, errno);
        _exit(0);
    }
    write_status(status_w, ST_STARTED, child);

    /* Keep only the status pipe: the shepherd must not hold the agent's host pipes or the command's pipes. */
    int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nul >= 0) {
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(nul, 2);
    }
    if (status_w != 3) dup2(status_w, 3);
    close_range(4, ~0U, 0);

    for (;;) {
        int status;
        pid_t p = waitpid(-1, &status, 0);
        if (p < 0) {
            if (errno == EINTR) continue;
            break; /* ECHILD: the whole tree is gone */
        }
        if (p == child) write_status(3, ST_EXITED, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    _exit(0);
}

/* ---------- requests ---------- */

/* Starts a command on pipes, or on a new pseudo-terminal when pty is set (then rows/cols are its size). */
static void spawn(uint32_t id, const uint8_t *command, size_t len, bool pty, uint16_t rows, uint16_t cols)
{
    env_seal();
    if (find(id)) {
        wire_error(id, EEXIST, "exec id in use");
        return;
    }
    if (memchr(command, 0, len)) {
        wire_error(id, EINVAL, "command contains NUL");
        return;
    }
    char *cmd = malloc(len + 1);
    struct exec *e = calloc(1, sizeof *e);
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, st[2] = { -1, -1 };
    int master = -1, slave = -1, master_w = -1;
    if (!cmd || !e || pipe2(st, O_CLOEXEC)) {
        wire_error(id, errno ? errno : ENOMEM, "spawn");
        goto fail;
    }
    if (pty) {
        if (pty_open(rows, cols, &master, &slave) != 0) {
            wire_error(id, errno, "no pseudo-terminal (is /dev/pts mounted in the sandbox?)");
            goto fail;
        }
        master_w = fcntl(master, F_DUPFD_CLOEXEC, 0);
        if (master_w < 0) {
            wire_error(id, errno, "spawn");
            goto fail;
        }
    } else if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
        wire_error(id, errno ? errno : ENOMEM, "spawn");
        goto fail;
    }
    memcpy(cmd, command, len);
    cmd[len] = 0;
    pid_t shepherd = fork();
    if (shepherd < 0) {
        wire_error(id, errno, "fork");
        goto fail;
    }
    if (shepherd == 0) {
        if (pty) run_shepherd(slave, slave, slave, st[1], true, cmd);
        run_shepherd(in[0], out[1], err[1], st[1], false, cmd);
    }
    free(cmd);
    close(st[1]);
    fcntl(st[0], F_SETFL, O_NONBLOCK);
    if (pty) {
        close(slave);
        fcntl(master, F_SETFL, O_NONBLOCK); /* shared with master_w: one open file description */
        *e = (struct exec){ .id = id, .shepherd = shepherd, .shepherd_alive = true, .status_fd = st[0],
                            .out_fd = master, .err_fd = -1, .in_fd = master_w, .pty = true, .next = execs };
    } else {
        close(in[0]);
        close(out[1]);
        close(err[1]);
        fcntl(in[1], F_SETFL, O_NONBLOCK);
        fcntl(out[0], F_SETFL, O_NONBLOCK);
        fcntl(err[0], F_SETFL, O_NONBLOCK);
        *e = (struct exec){ .id = id, .shepherd = shepherd, .shepherd_alive = true, .status_fd = st[0],
                            .out_fd = out[0], .err_fd = err[0], .in_fd = in[1], .next = execs };
    }
    execs = e;
    exec_count++;
    return;
fail:
    free(cmd);
    free(e);
    for (int i = 0; i < 2; i++) {
        if (in[i] >= 0) close(in[i]);
        if (out[i] >= 0) close(out[i]);
        if (err[i] >= 0) close(err[i]);
        if (st[i] >= 0) close(st[i]);
    }
    if (master >= 0) close(master);
    if (slave >= 0) close(slave);
    if (master_w >= 0) close(master_w);
}

void exec_spawn(uint32_t id, const uint8_t *command, size_t len)
{
    spawn(id, command, len, false, 0, 0);
}

void exec_spawn_pty(uint32_t id, const uint8_t *payload, size_t len)
{
    if (len < 4 || !pty_size_valid(get_u16(payload), get_u16(payload + 2))) {
        wire_error(id, EINVAL, "terminal size must be 1..1000 rows and columns");
        return;
    }
    spawn(id, payload + 4, len - 4, true, get_u16(payload), get_u16(payload + 2));
}

void exec_resize(uint32_t id, const uint8_t *payload, size_t len)
{
    struct exec *e = find(id);
    /* No reply either way: a resize racing the exit is harmless, and a bad size is ignored like one for a pipe exec. */
    if (!e || !e->pty || len < 4 || !pty_size_valid(get_u16(payload), get_u16(payload + 2))) return;
    int master = e->out_fd >= 0 ? e->out_fd : e->in_fd;
    if (master >= 0) pty_resize(master, get_u16(payload), get_u16(payload + 2));
}

static void flush_stdin(struct exec *e)
{
    size_t written = 0;
    while (e->in_len > 0 && e->in_fd >= 0) {
        ssize_t n = write(e->in_fd, e->in_buf + e->in_head, e->in_len);
        if (n > 0) {
            e->in_head += (size_t)n;
            e->in_len -= (size_t)n;
            written += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        /* EPIPE: the command closed its stdin; what is left can never be delivered. */
        if (written) credit(e, written);
        written = 0;
        drop_stdin(e);
        return;
    }
    if (written) credit(e, written);
    if (e->in_len == 0) e->in_head = 0;
    if (e->in_len == 0 && e->in_eof) close_fd(&e->in_fd);
}

void exec_stdin(uint32_t id, const uint8_t *data, size_t len)
{
    struct exec *e = find(id);
    if (!e) return;
    if (e->in_fd < 0 || e->in_eof) {
        credit(e, len);
        return;
    }
    if (e->in_len + len > STDIN_WINDOW) {
        /* The host broke the credit contract; refuse the bytes rather than grow without bound. */
        wire_log("exec %u: stdin window exceeded, %zu bytes dropped", id, len);
        credit(e, len);
        return;
    }
    if (!e->in_buf) {
        e->in_buf = malloc(STDIN_WINDOW);
        if (!e->in_buf) {
            credit(e, len);
            return;
        }
    }
    if (e->in_head + e->in_len + len > STDIN_WINDOW) {
        memmove(e->in_buf, e->in_buf + e->in_head, e->in_len);
        e->in_head = 0;
    }
    memcpy(e->in_buf + e->in_head + e->in_len, data, len);
    e->in_len += len;
    flush_stdin(e);
}

void exec_stdin_eof(uint32_t id)
{
    struct exec *e = find(id);
    if (!e) return;
    e->in_eof = true;
    if (e->in_len == 0) close_fd(&e->in_fd);
}

void exec_output_ack(uint32_t id, uint32_t bytes)
{
    struct exec *e = find(id);
    if (!e) return;
    e->out_unacked = bytes >= e->out_unacked ? 0 : e->out_unacked - bytes;
}

/* ---------- signalling a whole tree ---------- */

struct proc_entry { pid_t pid, ppid; char state; };

static int by_pid(const void *a, const void *b)
{
    pid_t x = ((const struct proc_entry *)a)->pid, y = ((const struct proc_entry *)b)->pid;
    return (x > y) - (x < y);
}

/* Snapshot of every process in the sandbox: pid, parent, state (from /proc/<pid>/stat). */
static size_t snapshot(struct proc_entry **out)
{
    size_t n = 0, cap = 256;
    struct proc_entry *list = malloc(cap * sizeof *list);
    DIR *d = opendir("/proc");
    if (!list || !d) {
        if (d) closedir(d);
        free(list);
        *out = NULL;
        return 0;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0) continue;
        buf[len] = 0;
        char *paren = strrchr(buf, ')'); /* the command name may contain spaces and parentheses */
        char state;
        int ppid;
        if (!paren || sscanf(paren + 1, " %c %d", &state, &ppid) != 2) continue;
        if (n == cap) {
            struct proc_entry *grown = realloc(list, cap * 2 * sizeof *list);
            if (!grown) break;
            list = grown;
            cap *= 2;
        }
        list[n++] = (struct proc_entry){ (pid_t)pid, (pid_t)ppid, state };
    }
    closedir(d);
    qsort(list, n, sizeof *list, by_pid);
    *out = list;
    return n;
}

static bool descends_from(const struct proc_entry *list, size_t n, pid_t pid, pid_t ancestor)
{
    for (int depth = 0; depth < 4096 && pid > 1; depth++) {
        struct proc_entry key = { .pid = pid };
        const struct proc_entry *p = bsearch(&key, list, n, sizeof *list, by_pid);
        if (!p) return false;
        if (p->ppid == ancestor) return true;
        pid = p->ppid;
    }
    return false;
}

/* Signals every live descendant of the shepherd once; returns how many were signalled. */
static size_t signal_once(pid_t shepherd, int signo)
{
    struct proc_entry *list;
    size_t n = snapshot(&list), hit = 0;
    for (size_t i = 0; i < n; i++) {
        if (list[i].state == 'Z' || list[i].state == 'X') continue;
        if (!descends_from(list, n, list[i].pid, shepherd)) continue;
        if (kill(list[i].pid, signo) == 0) hit++;
    }
    free(list);
    return hit;
}

void exec_signal_tree(uint32_t id, int signo)
{
    struct exec *e = find(id);
    if (!e || !e->shepherd_alive || signo <= 0 || signo >= 65) return;
    if (signo != SIGKILL) {
        signal_once(e->shepherd, signo);
        return;
    }
    /* A process may fork between our scan and its death; its child is reparented to the shepherd and
       found by the next scan. Repeat until a scan finds nothing alive. A killed process shows up alive until
       the kernel has run its exit, so pause briefly between scans instead of rescanning /proc in a tight
       loop (bounded at ~2 s, so PID 1 never spins forever). */
    struct timespec pause = { 0, 1000000 };
    for (int round = 0; round < 2000 && signal_once(e->shepherd, SIGKILL) > 0; round++) nanosleep(&pause, NULL);
}

/* ---------- event-loop integration ---------- */

size_t exec_fd_count(void) { return exec_count * 4; }

static void add(struct pollfd *fds, size_t *n, struct exec *e, int fd, short events, uint8_t role)
{
    fds[*n] = (struct pollfd){ .fd = fd, .events = events };
    poll_owner[*n] = e;
    poll_role[*n] = role;
    (*n)++;
}

size_t exec_poll_fill(struct pollfd *fds, size_t capacity)
{
    if (capacity > poll_cap) {
        poll_owner = realloc(poll_owner, capacity * sizeof *poll_owner);
        poll_role = realloc(poll_role, capacity);
        if (!poll_owner || !poll_role) _exit(70);
        poll_cap = capacity;
    }
    bool room = wire_queued() < OUT_SOFT_LIMIT;
    size_t n = 0;
    for (struct exec *e = execs; e; e = e->next) {
        if (e->status_fd >= 0) add(fds, &n, e, e->status_fd, POLLIN, ROLE_STATUS);
        /* Once the exit was reported, output is discarded, so reading never waits for the host. */
        bool read_output = (room && e->out_unacked < OUTPUT_WINDOW) || e->exit_sent;
        if (e->out_fd >= 0 && read_output) add(fds, &n, e, e->out_fd, POLLIN, ROLE_STDOUT);
        if (e->err_fd >= 0 && read_output) add(fds, &n, e, e->err_fd, POLLIN, ROLE_STDERR);
        if (e->in_fd >= 0 && e->in_len > 0) add(fds, &n, e, e->in_fd, POLLOUT, ROLE_STDIN);
    }
    return n;
}

/* How many bytes wait unread in the exec's stdout and stderr pipes right now. */
static size_t pipes_pending(const struct exec *e)
{
    size_t total = 0;
    int pending = 0;
    if (e->out_fd >= 0 && ioctl(e->out_fd, FIONREAD, &pending) == 0 && pending > 0) total += (size_t)pending;
    if (e->err_fd >= 0 && ioctl(e->err_fd, FIONREAD, &pending) == 0 && pending > 0) total += (size_t)pending;
    return total;
}

static void read_status(struct exec *e)
{
    int32_t rec[2];
    for (;;) {
        ssize_t n = read(e->status_fd, rec, sizeof rec);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n != (ssize_t)sizeof rec) break; /* EOF: the shepherd is gone */
        if (rec[0] == ST_STARTED && !e->spawned_sent) {
            uint8_t p[4];
            put_u32(p, (uint32_t)rec[1]);
            wire_emit(EV_SPAWNED, e->id, p, 4, NULL, 0);
            e->spawned_sent = true;
        } else if (rec[0] == ST_FAILED && !e->spawned_sent) {
            wire_error(e->id, rec[1], "fork");
            e->exit_sent = true; /* nothing ran: no exit event follows an error */
            e->main_exited = true;
        } else if (rec[0] == ST_EXITED && !e->main_exited) {
            e->main_exited = true;
            e->exit_code = rec[1];
            e->drain_left = pipes_pending(e);
            e->drain_started = e->last_output = now_ms();
        }
    }
    close_fd(&e->status_fd);
    if (!e->spawned_sent && !e->exit_sent) {
        wire_error(e->id, ECHILD, "the shepherd ended before starting the command");
        e->exit_sent = e->main_exited = true;
    } else if (!e->main_exited) {
        /* The shepherd was killed (e.g. by the command itself) before it could report: the status is lost. */
        e->main_exited = true;
        e->exit_code = 128 + SIGKILL;
        e->drain_left = pipes_pending(e);
        e->drain_started = e->last_output = now_ms();
    }
}

static void read_output(struct exec *e, int *fd, uint8_t stream)
{
    static uint8_t discard[MAX_OUTPUT_CHUNK];
    uint8_t *p = e->exit_sent ? discard : wire_begin(1 + MAX_OUTPUT_CHUNK);
    ssize_t n;
    do n = read(*fd, e->exit_sent ? p : p + 1, MAX_OUTPUT_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
        close_fd(fd);
        if (e->out_fd < 0 && e->err_fd < 0) e->drain_left = 0;
        return;
    }
    if (e->exit_sent) return;
    p[0] = stream;
    wire_commit(EV_OUTPUT, e->id, 1 + (size_t)n);
    e->out_unacked += (size_t)n;
    e->last_output = now_ms();
    if (e->main_exited) e->drain_left = e->drain_left > (size_t)n ? e->drain_left - (size_t)n : 0;
}

void exec_poll_handle(const struct pollfd *fds, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (!fds[i].revents) continue;
        struct exec *e = poll_owner[i];
        switch (poll_role[i]) {
        case ROLE_STATUS: read_status(e); break;
        case ROLE_STDOUT: if (e->out_fd >= 0) read_output(e, &e->out_fd, 1); break;
        case ROLE_STDERR: if (e->err_fd >= 0) read_output(e, &e->err_fd, 2); break;
        case ROLE_STDIN: flush_stdin(e); break;
        }
    }
}

void exec_reap(void)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        for (struct exec *e = execs; e; e = e->next)
            if (e->shepherd == p) e->shepherd_alive = false;
    }
}

static void emit_exit(struct exec *e)
{
    uint8_t p[4];
    put_u32(p, (uint32_t)e->exit_code);
    wire_emit(EV_EXIT, e->id, p, 4, NULL, 0);
    e->exit_sent = true;
    /* A background child keeps running but gets EOF on stdin; nobody can write to it any more. */
    drop_stdin(e);
}

int exec_timers(void)
{
    int64_t now = now_ms();
    int timeout = -1;
    struct exec **link = &execs;
    while (*link) {
        struct exec *e = *link;
        if (e->main_exited && !e->exit_sent) {
            if (e->out_fd < 0 && e->err_fd < 0) {
                emit_exit(e);
            } else if (e->drain_left > 0) {
                /* Output written before the exit is still in a pipe (or waiting for the host's acks): read it first.
                   The silence clock starts once it is all read; a background child's later flood cannot extend it. */
                e->drain_started = e->last_output = now;
            } else if (now - e->last_output >= DRAIN_SILENCE_MS || now - e->drain_started >= DRAIN_MAX_MS) {
                emit_exit(e);
            } else {
                int64_t due = e->last_output + DRAIN_SILENCE_MS;
                if (e->drain_started + DRAIN_MAX_MS < due) due = e->drain_started + DRAIN_MAX_MS;
                int wait = (int)(due - now);
                if (timeout < 0 || wait < timeout) timeout = wait < 0 ? 0 : wait;
            }
        }
        if (e->exit_sent && !e->shepherd_alive && e->status_fd < 0 && e->out_fd < 0 && e->err_fd < 0) {
            drop_stdin(e);
            *link = e->next;
            exec_count--;
            free(e);
            continue;
        }
        link = &e->next;
    }
    return timeout;
}
