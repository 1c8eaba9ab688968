/* The event queue towards the host: frames are appended in order and written to fd 1 without blocking.
   The queue grows on demand, but readers of command pipes and of requests stop at fixed marks
   (OUT_SOFT_LIMIT, OUT_REQUEST_LIMIT), so its size stays bounded by those marks plus one frame. */
#include "agent.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint8_t *queue;
static size_t queue_cap, queue_head, queue_tail;

void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
void put_u64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }
uint32_t get_u32(const uint8_t *p) { uint32_t v = 0; for (int i = 3; i >= 0; i--) v = (v << 8) | p[i]; return v; }
uint64_t get_u64(const uint8_t *p) { uint64_t v = 0; for (int i = 7; i >= 0; i--) v = (v << 8) | p[i]; return v; }

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *errno_name(int err)
{
    const char *name = strerrorname_np(err);
    return name ? name : "EIO";
}

void wire_init(void)
{
    queue_cap = 256 * 1024;
    queue = malloc(queue_cap);
    if (!queue) _exit(70);
}

size_t wire_queued(void) { return queue_tail - queue_head; }

/* Makes room for n more bytes at the tail: first by sliding queued bytes to the front, then by growing. */
static void reserve(size_t n)
{
    if (queue_tail + n <= queue_cap) return;
    if (queue_head > 0) {
        memmove(queue, queue + queue_head, queue_tail - queue_head);
        queue_tail -= queue_head;
        queue_head = 0;
    }
    if (queue_tail + n <= queue_cap) return;
    size_t cap = queue_cap;
    while (queue_tail + n > cap) cap *= 2;
    uint8_t *grown = realloc(queue, cap);
    if (!grown) _exit(70); /* out of memory in PID 1: the host sees the sandbox terminate */
    queue = grown;
    queue_cap = cap;
}

uint8_t *wire_begin(size_t max_payload)
{
    reserve(FRAME_HEADER + max_payload);
    return queue + queue_tail + FRAME_HEADER;
}

void wire_commit(uint8_t type, uint32_t id, size_t payload_len)
{
    uint8_t *h = queue + queue_tail;
    put_u32(h, (uint32_t)(5 + payload_len));
    h[4] = type;
    put_u32(h + 5, id);
    queue_tail += FRAME_HEADER + payload_len;
}

void wire_emit(uint8_t type, uint32_t id, const void *a, size_t alen, const void *b, size_t blen)
{
    uint8_t *p = wire_begin(alen + blen);
    if (alen) memcpy(p, a, alen);
    if (blen) memcpy(p + alen, b, blen);
    wire_commit(type, id, alen + blen);
}

void wire_error(uint32_t id, int err, const char *detail)
{
    const char *name = errno_name(err);
    char text[512];
    int n = snprintf(text, sizeof text, "%c%s%s%s%s", (char)strlen(name), name, strerror(err),
                     detail && *detail ? ": " : "", detail ? detail : "");
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof text) n = sizeof text - 1;
    wire_emit(EV_ERROR, id, text, (size_t)n, NULL, 0);
}

void wire_log(const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof text) n = sizeof text - 1;
    wire_emit(EV_LOG, 0, text, (size_t)n, NULL, 0);
}

bool wire_flush(int fd)
{
    while (queue_tail > queue_head) {
        ssize_t n = write(fd, queue + queue_head, queue_tail - queue_head);
        if (n > 0) {
            queue_head += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        return false;
    }
    if (queue_head == queue_tail) queue_head = queue_tail = 0;
    return true;
}
