/* Pseudo-terminals for interactive execs (REQ_SPAWN_PTY). The pair comes from the sandbox's own devpts: bwrap's
   --dev mounts a private instance (newinstance, /dev/ptmx -> pts/ptmx), so a terminal here is invisible to the host
   and to other sandboxes. The slave is obtained with TIOCGPTPEER rather than by opening the path ptsname() names:
   nothing in the sandbox can swap the node between the two calls. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

bool pty_size_valid(uint32_t rows, uint32_t cols)
{
    return rows >= 1 && rows <= PTY_MAX_DIMENSION && cols >= 1 && cols <= PTY_MAX_DIMENSION;
}

int pty_open(uint16_t rows, uint16_t cols, int *master, int *slave)
{
    *master = *slave = -1;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    if (unlockpt(m) != 0) goto fail;
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) goto fail;
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    if (ioctl(m, TIOCSWINSZ, &ws) != 0) {
        int saved = errno;
        close(s);
        errno = saved;
        goto fail;
    }
    *master = m;
    *slave = s;
    return 0;
fail:;
    int saved = errno;
    close(m);
    errno = saved;
    return -1;
}

int pty_resize(int master, uint16_t rows, uint16_t cols)
{
    /* The kernel sends SIGWINCH to the terminal's foreground process group when the size changes. */
    struct winsize ws = { .ws_row = rows, .ws_col = cols };
    return ioctl(master, TIOCSWINSZ, &ws);
}

int pty_make_controlling(int slave)
{
    /* Called in the command after setsid(): it has no controlling terminal, so this one becomes it, and job
       control (Ctrl-C as SIGINT to the foreground group, SIGWINCH on resize) works as in any terminal. */
    return ioctl(slave, TIOCSCTTY, 0);
}
