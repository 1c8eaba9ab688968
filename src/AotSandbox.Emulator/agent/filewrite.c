/* file_write. A chunk is up to 1 MiB, and moving it through a buffer of ours costs two copies of every byte: pipe
   to buffer, buffer to file. So a write starts as soon as its offset, flags and path have arrived; whatever data
   came with them is written from the buffer, and the rest goes from the request pipe into the file by splice(2),
   which copies the pipe's pages into the file once. Meanwhile no other request is read: they are queued behind
   the data in the same pipe anyway. Runs as the sandbox user in its mount namespace, like every file request. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The payload's fixed prefix: u64 offset, u8 truncate, u32 path length (the path and the data follow). */
#define WRITE_PREFIX 13u

/* The write in progress. fd is -1 once its failure was answered: the rest of its data is then read and dropped,
   because the next request starts only after it. */
static struct {
    bool active;
    bool can_splice;
    uint32_t req;
    int fd;
    uint64_t offset;   /* where the next data byte goes */
    size_t remaining;  /* bytes of the frame still in the request pipe */
    char path[MAX_PATH_BYTES + 1];
} pending = { .fd = -1 };

/* mkdir -p for the parents of path (the last component is the file itself). */
static int make_parents(char *path)
{
    for (char *slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        int rc = mkdir(path, 0755);
        int err = errno;
        *slash = '/';
        if (rc != 0 && err != EEXIST) return err;
    }
    return 0;
}

/* Answers the failure now; data still to come is dropped. */
static void fail(int err, const char *detail)
{
    wire_error(pending.req, err, detail);
    if (pending.fd >= 0) close(pending.fd);
    pending.fd = -1;
}

static void finish(void)
{
    pending.active = false;
    if (pending.fd < 0) return;
    struct stat st;
    if (fstat(pending.fd, &st) != 0) {
        fail(errno, pending.path);
        return;
    }
    close(pending.fd);
    pending.fd = -1;
    uint8_t out[8];
    put_u64(out, (uint64_t)st.st_size);
    wire_emit(EV_FILE_WRITTEN, pending.req, out, 8, NULL, 0);
}

/* Writes data we hold in memory at the current offset; nothing once the request has failed. */
static void write_held(const uint8_t *data, size_t len)
{
    size_t done = 0;
    while (pending.fd >= 0 && done < len) {
        ssize_t n = pwrite(pending.fd, data + done, len - done, (off_t)pending.offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fail(n < 0 ? errno : EIO, pending.path);
            return;
        }
        done += (size_t)n;
        pending.offset += (uint64_t)n;
    }
}

/* Opens the target: missing parents created, truncated when asked, regular files only. -1 after answering why. */
static int open_target(bool truncate)
{
    int err = make_parents(pending.path);
    if (err) {
        wire_error(pending.req, err, "creating parent directories");
        return -1;
    }
    int fd = open(pending.path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (truncate ? O_TRUNC : 0), 0644);
    if (fd < 0) {
        wire_error(pending.req, errno, pending.path);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        wire_error(pending.req, errno, pending.path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        wire_error(pending.req, S_ISDIR(st.st_mode) ? EISDIR : EINVAL, "not a regular file");
        close(fd);
        return -1;
    }
    return fd;
}

size_t file_write_header_bytes(const uint8_t *payload, size_t held)
{
    return held < WRITE_PREFIX ? 0 : WRITE_PREFIX + (size_t)get_u32(payload + 9);
}

bool file_write_pending(void) { return pending.active; }

/* Checks the request, opens its file and writes the data that came with it; a failure is answered here and leaves
   fd at -1, so that the rest of the frame is dropped. */
static void start(const uint8_t *payload, size_t held)
{
    if (held < WRITE_PREFIX) {
        wire_error(pending.req, EINVAL, "short request");
        return;
    }
    uint64_t offset = get_u64(payload);
    bool truncate = payload[8] != 0;
    uint32_t path_len = get_u32(payload + 9);
    if (path_len > held - WRITE_PREFIX) {
        wire_error(pending.req, EINVAL, "bad path length");
        return;
    }
    if (!take_path(pending.req, payload + WRITE_PREFIX, path_len, pending.path)) return;
    if (offset > INT64_MAX) {
        wire_error(pending.req, EINVAL, "offset");
        return;
    }
    pending.offset = offset;
    pending.fd = open_target(truncate);
    write_held(payload + WRITE_PREFIX + path_len, held - WRITE_PREFIX - path_len);
}

void file_write_begin(uint32_t req, const uint8_t *payload, size_t held, size_t total)
{
    pending.active = true;
    pending.can_splice = true;
    pending.req = req;
    pending.fd = -1;
    pending.remaining = total - held;
    start(payload, held);
    if (pending.remaining == 0) finish();
}

int file_write_continue(int in, uint8_t *scratch, size_t scratch_len)
{
    while (pending.remaining > 0) {
        ssize_t n;
        if (pending.fd >= 0 && pending.can_splice) {
            loff_t at = (loff_t)pending.offset;
            n = splice(in, NULL, pending.fd, &at, pending.remaining, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n > 0) {
                pending.offset += (uint64_t)n;
                pending.remaining -= (size_t)n;
                continue;
            }
            if (n == 0) return -1; /* the host closed the pipe */
            if (errno == EINTR) continue;
            if (errno == EAGAIN) return 0;
            if (errno == EINVAL) {
                pending.can_splice = false; /* a file system without splice support: copy instead */
                continue;
            }
            fail(errno, pending.path);
            continue;
        }
        n = read(in, scratch, pending.remaining < scratch_len ? pending.remaining : scratch_len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0;
        if (n <= 0) return -1;
        pending.remaining -= (size_t)n;
        write_held(scratch, (size_t)n);
    }
    finish();
    return 1;
}
