/* Host-side launcher mode: `aotsandbox-agent launch <netns> <uid> <gid> <cgroup.procs>... -- <bwrap> <args>...`.
   Run by the emulator as host root. Doing these steps in one small C process (instead of sh + nsenter +
   setpriv) saves three exec()s per sandbox; every step happens before bwrap, so everything the sandbox
   ever runs is already confined: cgroups joined, network namespace entered (owned by the host's user
   namespace, so nothing inside can change its firewall), OOM protection set, and host root dropped. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
    fprintf(stderr, "aotsandbox-agent launch: %s: %s\n", what, strerror(errno));
    return 126;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    int err = errno;
    close(fd);
    errno = err;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* `ip link set lo up` without spawning ip: a SIOCSIFFLAGS on a socket created inside the namespace. */
static int loopback_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int rc = ioctl(s, SIOCGIFFLAGS, &ifr);
    if (rc == 0 && !(ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
    return rc;
}

int launch_main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: aotsandbox-agent launch <netns> <uid> <gid> <cgroup.procs>... -- <bwrap> <args>...\n");
        return 2;
    }
    const char *netns = argv[2];
    uid_t uid = (uid_t)strtoul(argv[3], NULL, 10);
    gid_t gid = (gid_t)strtoul(argv[4], NULL, 10);
    if (uid == 0 || gid == 0) {
        errno = EINVAL;
        return fail("refusing to run a sandbox as uid/gid 0");
    }
    int i = 5;
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    for (; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (write_file(argv[i], pid) != 0) return fail(argv[i]);
    if (i + 1 >= argc) {
        errno = EINVAL;
        return fail("missing -- <bwrap>");
    }
    /* The agent should never be the OOM killer's choice, but no sandbox process may lower its own score below 0.
       A privileged write to oom_score_adj also sets oom_score_adj_min, the floor every descendant inherits and may
       return to unprivileged: writing -1000 there would let any command make itself unkillable. So the floor is
       set to 0 first (oom_score_adj), then the agent alone is lowered to -1000 through the legacy oom_adj file
       (-17 = OOM_DISABLE), which moves the value but never the floor. Lowering needs CAP_SYS_RESOURCE, which some
       hosts (containers, this project's dev VMs) withhold from root; then the agent stays at 0 and relies on every
       command running at +1000, which makes any command a better victim than the agent. */
    if (write_file("/proc/self/oom_score_adj", "0") != 0 && errno != EACCES && errno != EPERM) return fail("oom_score_adj");
    if (write_file("/proc/self/oom_adj", "-17") != 0 && errno != EACCES && errno != EPERM && errno != ENOENT) return fail("oom_adj");
    int ns = open(netns, O_RDONLY | O_CLOEXEC);
    if (ns < 0) return fail(netns);
    if (setns(ns, CLONE_NEWNET) != 0) return fail("setns");
    close(ns);
    if (loopback_up() != 0) return fail("loopback up");
    if (setgroups(0, NULL) != 0) return fail("setgroups");
    if (setresgid(gid, gid, gid) != 0) return fail("setresgid");
    if (setresuid(uid, uid, uid) != 0) return fail("setresuid");
    /* bwrap installs the filter right before it execs the agent, so every sandbox process runs under it. */
    int filter = seccomp_filter_fd();
    if (filter < 0) return fail("seccomp filter");
    char fd_text[16];
    snprintf(fd_text, sizeof fd_text, "%d", filter);
    int rest = argc - (i + 2);
    char **bwrap = calloc((size_t)rest + 4, sizeof *bwrap);
    if (!bwrap) return fail("calloc");
    bwrap[0] = argv[i + 1];
    bwrap[1] = "--seccomp";
    bwrap[2] = fd_text;
    memcpy(bwrap + 3, argv + i + 2, (size_t)rest * sizeof *bwrap);
    execv(bwrap[0], bwrap);
    return fail(argv[i + 1]);
}
