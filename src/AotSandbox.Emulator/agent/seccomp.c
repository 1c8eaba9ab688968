/* A minimal seccomp deny-list for everything that runs in a sandbox, handed to bwrap as `--seccomp FD`.
   The namespaces, the unprivileged uid and --disable-userns already stop these calls from crossing the sandbox
   boundary; what is left is kernel attack surface that needs no capability at all (security battery K10):
   io_uring, the keyring, userfaultfd, perf events, eBPF, and the new mount API. Each answers ENOSYS, the error
   software already handles for "this kernel lacks it" (libuv, for one, falls back from io_uring on it).
   Other architectures' syscalls (x32, i386 compat) are refused too, so the numbers below cannot be sidestepped. */
#include "agent.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

static const int denied[] = {
#ifdef __NR_io_uring_setup
    __NR_io_uring_setup, __NR_io_uring_enter, __NR_io_uring_register,
#endif
    __NR_keyctl, __NR_add_key, __NR_request_key,
    __NR_userfaultfd, __NR_perf_event_open, __NR_bpf,
#ifdef __NR_fsopen
    __NR_open_tree, __NR_move_mount, __NR_fsopen, __NR_fsconfig, __NR_fsmount, __NR_fspick,
#endif
};

int seccomp_filter_fd(void)
{
#ifndef FILTER_ARCH
    errno = ENOTSUP;
    return -1;
#else
    enum { N = sizeof denied / sizeof denied[0] };
    struct sock_filter program[6 + N];
    size_t k = 0;
    program[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    program[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0);
    program[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS); /* foreign ABI */
    program[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
#if defined(__x86_64__)
    /* x32 calls carry bit 30 and reuse the x86_64 table: refuse them all. */
    program[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, N + 1, 0);
#else
    program[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
#endif
    for (size_t i = 0; i < N; i++) /* each match jumps to the deny return right after the list */
        program[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)denied[i], (unsigned char)(N - 1 - i + 1), 0);
    /* Fall-through: allow. The deny return sits after it (jump targets above count it). */
    struct sock_filter tail[2] = {
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    };
    int fd = memfd_create("aotsandbox-seccomp", 0); /* no CLOEXEC: bwrap reads it after exec */
    if (fd < 0) return -1;
    if (write(fd, program, k * sizeof program[0]) != (ssize_t)(k * sizeof program[0])
        || write(fd, tail, sizeof tail) != (ssize_t)sizeof tail
        || lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return -1;
    }
    return fd;
#endif
}
