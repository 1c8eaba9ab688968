/* File requests. They run in the agent itself, i.e. inside the sandbox's mount namespace and as the
   sandbox user, so the kernel resolves every path exactly as code in the sandbox would: `..` stops at the
   sandbox root and a symlink to / means the sandbox's /. No path check of ours is a security boundary;
   the checks below only give clear errors. Relative paths resolve against the agent's cwd, /workspace. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Copies a request path into a C string: rejects empty, embedded NUL and over-long paths. */
bool take_path(uint32_t req, const uint8_t *p, size_t len, char out[MAX_PATH_BYTES + 1])
{
    if (len == 0) {
        wire_error(req, EINVAL, "empty path");
        return false;
    }
    if (len > MAX_PATH_BYTES) {
        wire_error(req, ENAMETOOLONG, "path longer than 4096 bytes");
        return false;
    }
    if (memchr(p, 0, len)) {
        wire_error(req, EINVAL, "path contains NUL");
        return false;
    }
    memcpy(out, p, len);
    out[len] = 0;
    return true;
}

void file_read(uint32_t req, const uint8_t *payload, size_t len)
{
    char path[MAX_PATH_BYTES + 1];
    if (len < 12) {
        wire_error(req, EINVAL, "short request");
        return;
    }
    uint64_t offset = get_u64(payload);
    uint32_t count = get_u32(payload + 8);
    if (!take_path(req, payload + 12, len - 12, path)) return;
    if (offset > INT64_MAX) {
        wire_error(req, EINVAL, "offset");
        return;
    }
    if (count > MAX_FILE_CHUNK) count = MAX_FILE_CHUNK;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        wire_error(req, errno, path);
        return;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        wire_error(req, errno, path);
    } else if (S_ISDIR(st.st_mode)) {
        wire_error(req, EISDIR, path);
    } else if (!S_ISREG(st.st_mode)) {
        wire_error(req, EINVAL, "not a regular file");
    } else {
        uint8_t *out = wire_begin(8 + count);
        size_t got = 0;
        while (got < count) {
            ssize_t n = pread(fd, out + 8 + got, count - got, (off_t)(offset + got));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                wire_error(req, errno, path);
                close(fd);
                return;
            }
            if (n == 0) break;
            got += (size_t)n;
        }
        put_u64(out, (uint64_t)st.st_size);
        wire_commit(EV_FILE_DATA, req, 8 + got);
    }
    close(fd);
}

/* Entries are sent in frames of at most this many payload bytes; the first payload byte says "last frame". */
#define LIST_FRAME_BYTES (256u * 1024u)

/* One listing answers at most this many entries and name bytes (docs/PROTOCOL.md §3.13). Sandbox code can
 * make a directory of any size, with names that JSON escapes six-fold; past either bound the listing stops with
 * E2BIG instead of queueing megabytes here and on the host. The host enforces the same bounds on what it receives. */
#define LIST_MAX_ENTRIES 10000u
#define LIST_MAX_NAME_BYTES (512u * 1024u)

void file_list(uint32_t req, const uint8_t *payload, size_t len)
{
    char path[MAX_PATH_BYTES + 1];
    if (!take_path(req, payload, len, path)) return;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        wire_error(req, errno, path);
        return;
    }
    DIR *dir = fdopendir(fd);
    if (!dir) {
        wire_error(req, errno, path);
        close(fd);
        return;
    }
    uint8_t *out = wire_begin(LIST_FRAME_BYTES);
    size_t used = 1;
    size_t entries = 0, name_bytes = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        /* lstat semantics: a symlink is reported as a link (kind 'l', size = target length), never followed. */
        struct stat st;
        if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        char kind = S_ISREG(st.st_mode) ? 'f' : S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' : 'o';
        size_t name_len = strlen(de->d_name);
        if (entries == LIST_MAX_ENTRIES || name_bytes + name_len > LIST_MAX_NAME_BYTES) {
            /* The frame being built is abandoned (never committed); the error ends the request. */
            closedir(dir);
            wire_error(req, E2BIG, "the directory has more entries than one listing returns");
            return;
        }
        entries++;
        name_bytes += name_len;
        if (used + 11 + name_len > LIST_FRAME_BYTES) {
            out[0] = 0;
            wire_commit(EV_FILE_ENTRIES, req, used);
            out = wire_begin(LIST_FRAME_BYTES);
            used = 1;
        }
        out[used] = (uint8_t)kind;
        put_u64(out + used + 1, (uint64_t)st.st_size);
        out[used + 9] = (uint8_t)(name_len & 0xff);
        out[used + 10] = (uint8_t)(name_len >> 8);
        memcpy(out + used + 11, de->d_name, name_len);
        used += 11 + name_len;
    }
    closedir(dir);
    out[0] = 1;
    wire_commit(EV_FILE_ENTRIES, req, used);
}
