/*
 * The walkthrough of Adobe's Python SDK README against a real service, in C: create, exec (captured, streamed, with stdin, interactive),
 * detached + re-attach + wait + kill, files (write/read bytes/list), preview URLs, cancel and timeout, errors, destroy.
 * Credentials come from __OW_API_HOST / __OW_NAMESPACE / __OW_API_KEY. Exit code 0 and "C WALKTHROUGH OK" on success.
 * Every handle and error is freed, so valgrind --leak-check=full can hold the library to "definitely lost: 0".
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aotsandbox.h"

#define S(lit) lit, sizeof(lit) - 1

static int failures = 0;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);           \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            failures++;                                                    \
        }                                                                  \
    } while (0)

/* Fails the run on a non-OK status and prints the error's message; returns the status. */
/* Takes &err, not err: C leaves argument evaluation order open, so the error must be read after the call ran. */
static aotsb_status_t ok(aotsb_status_t status, aotsb_error_t **error, const char *what) {
    if (status != AOTSB_OK) {
        fprintf(stderr, "FAIL %s: %s: %s\n", what, aotsb_status_string(status), *error ? aotsb_error_message(*error) : "");
        failures++;
    }
    aotsb_error_free(*error);
    *error = NULL;
    return status;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    }
    if (f) fclose(f);
    return kb;
}

/* Output collected by callbacks; a mutex because callbacks run on a library thread. */
typedef struct {
    pthread_mutex_t lock;
    char out[4096];
    size_t out_len;
    size_t err_len;
    int calls;
} sink_t;

static void collect(void *user_data, int32_t stream, const uint8_t *data, size_t len) {
    sink_t *sink = user_data;
    pthread_mutex_lock(&sink->lock);
    sink->calls++;
    if (stream == AOTSB_STDOUT) {
        size_t room = sizeof sink->out - 1 - sink->out_len;
        size_t n = len < room ? len : room;
        memcpy(sink->out + sink->out_len, data, n);
        sink->out_len += n;
        sink->out[sink->out_len] = 0;
    } else {
        sink->err_len += len;
    }
    pthread_mutex_unlock(&sink->lock);
}

static int result_is(aotsb_exec_result_t *result, const char *stdout_text, int exit_code) {
    const uint8_t *data;
    size_t len;
    aotsb_exit_t exit_info;
    aotsb_exec_result_stdout(result, &data, &len, NULL);
    aotsb_exec_result_exit(result, &exit_info, NULL);
    int same = len == strlen(stdout_text) && memcmp(data, stdout_text, len) == 0;
    if (!same || !exit_info.has_exit_code || exit_info.exit_code != exit_code) {
        fprintf(stderr, "  got stdout [%.*s] exit %d (has %d), want [%s] exit %d\n", (int)len, (const char *)data,
                exit_info.exit_code, exit_info.has_exit_code, stdout_text, exit_code);
        return 0;
    }
    return 1;
}

static void *cancel_later(void *cancel) {
    usleep(300 * 1000);
    aotsb_cancel_cancel(cancel, NULL);
    return NULL;
}

int main(void) {
    aotsb_error_t *err = NULL;

    double t0 = now_ms();
    uint32_t abi = aotsb_abi_version(); /* first call: starts the .NET runtime */
    double first_call = now_ms() - t0;
    CHECK(abi == AOTSB_ABI_VERSION, "ABI %u, header %u", abi, AOTSB_ABI_VERSION);
    printf("libaotsandbox %s (ABI %u)\nMETRIC first_call_ms=%.3f\n", aotsb_version(), abi, first_call);

    /* Errors: a NULL command is an argument error with a message, and nothing crosses the boundary as an exception. */
    aotsb_exec_result_t *never = NULL;
    aotsb_status_t st = aotsb_exec(NULL, NULL, 0, NULL, 0, NULL, NULL, NULL, 0, &never, &err);
    CHECK(st == AOTSB_ERR_INVALID_ARGUMENT && err && aotsb_error_status(err) == st && never == NULL, "NULL sandbox: %d", st);
    CHECK(err && strstr(aotsb_error_message(err), "sandbox") != NULL, "message: %s", err ? aotsb_error_message(err) : "(none)");
    aotsb_error_free(err);
    err = NULL;

    aotsb_create_options_t *opts = NULL;
    ok(aotsb_create_options_new(&opts, &err), &err, "options");
    CHECK(aotsb_create_options_set_policy_json(opts, S("{\"network\":"), NULL) == AOTSB_ERR_INVALID_ARGUMENT, "bad policy JSON accepted");
    CHECK(aotsb_create_options_add_port(opts, 70000, NULL) == AOTSB_ERR_INVALID_PORT, "port 70000 accepted");
    ok(aotsb_create_options_set_name(opts, S("c-walkthrough"), &err), &err, "name");
    ok(aotsb_create_options_set_size(opts, AOTSB_SIZE_SMALL, &err), &err, "size");
    ok(aotsb_create_options_set_idle_timeout(opts, 300, &err), &err, "idle");
    ok(aotsb_create_options_set_max_lifetime(opts, 600, &err), &err, "lifetime");
    ok(aotsb_create_options_add_port(opts, 3000, &err), &err, "port");
    ok(aotsb_create_options_set_env(opts, S("GREETING"), S("hello from C"), &err), &err, "env");
    ok(aotsb_create_options_set_policy_json(opts, S("{\"network\":{\"egress\":[{\"host\":\"*.adobe.io\",\"port\":443}]}}"), &err), &err, "policy");

    /* Configuration errors are caught before any network traffic. */
    aotsb_config_t *bad = NULL;
    ok(aotsb_config_new(&bad, &err), &err, "config");
    CHECK(aotsb_config_add_trusted_ca_pem(bad, S("not a certificate"), NULL) == AOTSB_ERR_INVALID_ARGUMENT, "garbage PEM accepted");
    CHECK(aotsb_config_set_api_host(bad, "\xff\xfe", 2, NULL) == AOTSB_ERR_INVALID_ARGUMENT, "invalid UTF-8 accepted");
    aotsb_config_free(bad);

    aotsb_client_t *client = NULL;
    err = NULL;
    if (ok(aotsb_client_new(NULL, &client, &err), &err, "client from environment") != AOTSB_OK) return 1;

    aotsb_sandbox_t *sb = NULL;
    err = NULL;
    if (ok(aotsb_sandbox_create(client, opts, NULL, 60000, &sb, &err), &err, "create") != AOTSB_OK) return 1;
    aotsb_create_options_free(opts);
    const char *id;
    size_t id_len;
    aotsb_sandbox_id(sb, &id, &id_len, NULL);
    printf("created %.*s\n", (int)id_len, id);

    /* 1. exec, captured */
    aotsb_exec_result_t *r = NULL;
    err = NULL;
    if (ok(aotsb_exec(sb, S("echo \"$GREETING\"; echo oops >&2; exit 3"), NULL, 0, NULL, NULL, NULL, 10000, &r, &err), &err, "exec") == AOTSB_OK) {
        CHECK(result_is(r, "hello from C\n", 3), "captured exec");
        const uint8_t *e;
        size_t e_len;
        aotsb_exec_result_stderr(r, &e, &e_len, NULL);
        CHECK(e_len == 5 && memcmp(e, "oops\n", 5) == 0, "stderr [%.*s]", (int)e_len, (const char *)e);
    }
    aotsb_exec_result_free(r);
    printf("METRIC rss_after_create_exec_kb=%ld\n", rss_kb());

    /* 2. exec, streamed through a callback */
    sink_t sink = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0, 0};
    r = NULL;
    err = NULL;
    if (ok(aotsb_exec(sb, S("for i in 1 2 3; do echo line$i; sleep 0.05; done; echo e >&2"), NULL, 0, collect, &sink, NULL, 10000, &r, &err), &err, "exec streamed") == AOTSB_OK) {
        CHECK(strcmp(sink.out, "line1\nline2\nline3\n") == 0 && sink.err_len == 2, "streamed [%s] err %zu", sink.out, sink.err_len);
        CHECK(result_is(r, "", 0), "streamed result keeps no output");
    }
    aotsb_exec_result_free(r);

    /* 3. exec with stdin bytes */
    r = NULL;
    err = NULL;
    if (ok(aotsb_exec(sb, S("tr a-z A-Z"), (const uint8_t *)"stdin works", 11, NULL, NULL, NULL, 10000, &r, &err), &err, "exec stdin") == AOTSB_OK)
        CHECK(result_is(r, "STDIN WORKS", 0), "stdin exec");
    aotsb_exec_result_free(r);

    /* 4. interactive stdin: start, write, close, wait */
    aotsb_exec_t *x = NULL;
    err = NULL;
    if (ok(aotsb_exec_start(sb, S("cat -n"), NULL, NULL, &x, &err), &err, "exec_start") == AOTSB_OK) {
        ok(aotsb_exec_write_stdin(x, (const uint8_t *)"one\n", 4, NULL, 5000, &err), &err, "write_stdin");
        ok(aotsb_exec_write_stdin(x, (const uint8_t *)"two\n", 4, NULL, 5000, &err), &err, "write_stdin");
        ok(aotsb_exec_close_stdin(x, NULL, 5000, &err), &err, "close_stdin");
        r = NULL;
        err = NULL;
        if (ok(aotsb_exec_wait(x, NULL, 10000, &r, &err), &err, "exec_wait") == AOTSB_OK)
            CHECK(result_is(r, "     1\tone\n     2\ttwo\n", 0), "interactive cat -n");
        aotsb_exec_result_free(r);
    }
    aotsb_exec_free(x);

    /* 5. timeout and cancel */
    r = NULL;
    st = aotsb_exec(sb, S("sleep 20"), NULL, 0, NULL, NULL, NULL, 300, &r, NULL);
    CHECK(st == AOTSB_ERR_TIMEOUT && r == NULL, "timeout gave %s", aotsb_status_string(st));
    aotsb_cancel_t *cancel = NULL;
    aotsb_cancel_new(&cancel, NULL);
    pthread_t canceller;
    pthread_create(&canceller, NULL, cancel_later, cancel);
    double c0 = now_ms();
    st = aotsb_exec(sb, S("sleep 20"), NULL, 0, NULL, NULL, cancel, 0, &r, NULL);
    pthread_join(canceller, NULL);
    CHECK(st == AOTSB_ERR_CANCELLED && now_ms() - c0 < 5000, "cancel gave %s after %.0f ms", aotsb_status_string(st), now_ms() - c0);
    aotsb_cancel_free(cancel);

    /* 6. preview URLs */
    const char *url;
    size_t url_len;
    err = NULL;
    if (ok(aotsb_sandbox_preview_url(sb, 3000, &url, &url_len, &err), &err, "preview url") == AOTSB_OK)
        CHECK(url_len > 0 && strstr(url, "3000") != NULL, "url %s", url);
    CHECK(aotsb_sandbox_preview_url(sb, 3001, &url, &url_len, NULL) == AOTSB_ERR_PORT_NOT_PROVISIONED, "3001 provisioned?");

    /* 7. detached: start, re-attach from a second connection by session token, wait */
    sink_t bg = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0, 0};
    aotsb_command_t *cmd = NULL;
    err = NULL;
    if (ok(aotsb_command_start(sb, S("sleep 0.5; echo bg-done; exit 7"), NULL, 0, NULL, NULL, NULL, 10000, &cmd, &err), &err, "command_start") == AOTSB_OK) {
        const char *exec_id, *token;
        size_t exec_id_len, token_len;
        int64_t pid = 0;
        aotsb_command_exec_id(cmd, &exec_id, &exec_id_len, NULL);
        aotsb_command_pid(cmd, &pid, NULL);
        CHECK(pid > 0, "pid %lld", (long long)pid);
        aotsb_sandbox_session_token(sb, &token, &token_len, NULL);
        aotsb_sandbox_t *other = NULL;
        err = NULL;
        if (ok(aotsb_sandbox_attach(client, id, id_len, token, token_len, NULL, 10000, &other, &err), &err, "attach") == AOTSB_OK) {
            aotsb_command_t *again = NULL;
            err = NULL;
            if (ok(aotsb_command_get(other, exec_id, exec_id_len, 1, collect, &bg, NULL, 10000, &again, &err), &err, "command_get") == AOTSB_OK) {
                aotsb_exit_t exit_info = {0};
                err = NULL;
                if (ok(aotsb_command_wait(again, NULL, 10000, &exit_info, &err), &err, "command_wait") == AOTSB_OK)
                    CHECK(exit_info.has_exit_code && exit_info.exit_code == 7 && !exit_info.destroyed, "detached exit %d", exit_info.exit_code);
                aotsb_command_free(again);
                pthread_mutex_lock(&bg.lock);
                CHECK(strcmp(bg.out, "bg-done\n") == 0, "re-attached output [%s]", bg.out);
                pthread_mutex_unlock(&bg.lock);
            }
            CHECK(aotsb_command_get(other, S("exec-nope"), 0, NULL, NULL, NULL, 10000, &again, NULL) == AOTSB_ERR_COMMAND_NOT_FOUND, "unknown exec id");
            aotsb_sandbox_free(other);
        }
        aotsb_exit_t first = {0};
        err = NULL;
        ok(aotsb_command_wait(cmd, NULL, 10000, &first, &err), &err, "wait on original");
        CHECK(first.exit_code == 7, "original handle exit %d", first.exit_code);
    }
    aotsb_command_free(cmd);

    /* 8. detached kill */
    cmd = NULL;
    err = NULL;
    if (ok(aotsb_command_start(sb, S("sleep 30"), NULL, 0, NULL, NULL, NULL, 10000, &cmd, &err), &err, "command_start sleep") == AOTSB_OK) {
        aotsb_exit_t exit_info = {0};
        CHECK(aotsb_command_wait(cmd, NULL, 200, &exit_info, NULL) == AOTSB_ERR_TIMEOUT, "wait should time out while running");
        ok(aotsb_command_kill(cmd, S("SIGKILL"), NULL, 5000, &err), &err, "kill");
        ok(aotsb_command_wait(cmd, NULL, 10000, &exit_info, &err), &err, "wait after kill");
        CHECK(!exit_info.has_exit_code || exit_info.exit_code != 0, "killed command exit %d", exit_info.exit_code);
    }
    aotsb_command_free(cmd);

    /* 8b. detached with an output callback and interactive stdin. (This caught a bug: a NULL stdin once reached the
     *     SDK as an empty, present buffer, which closed the command's stdin at start.) */
    sink_t piped = {PTHREAD_MUTEX_INITIALIZER, {0}, 0, 0, 0};
    cmd = NULL;
    if (ok(aotsb_command_start(sb, S("echo detached-out; cat"), NULL, 0, collect, &piped, NULL, 10000, &cmd, &err), &err, "command_start cat") == AOTSB_OK) {
        ok(aotsb_command_write_stdin(cmd, (const uint8_t *)"detached stdin\n", 15, NULL, 5000, &err), &err, "command_write_stdin");
        ok(aotsb_command_close_stdin(cmd, NULL, 5000, &err), &err, "command_close_stdin");
        aotsb_exit_t exit_info = {0};
        ok(aotsb_command_wait(cmd, NULL, 10000, &exit_info, &err), &err, "command_wait cat");
        CHECK(exit_info.has_exit_code && exit_info.exit_code == 0, "cat exit %d", exit_info.exit_code);
    }
    aotsb_command_free(cmd); /* after this, collect() is never called with &piped again */
    pthread_mutex_lock(&piped.lock);
    CHECK(strcmp(piped.out, "detached-out\ndetached stdin\n") == 0, "detached callback got [%s]", piped.out);
    pthread_mutex_unlock(&piped.lock);

    /* 9. files: bytes round trip (NUL and 0xFF included) and listing */
    const uint8_t blob[] = {'b', 'i', 'n', 0, 0xff, 0xfe, '\n'};
    err = NULL;
    ok(aotsb_file_write(sb, S("data/blob.bin"), blob, sizeof blob, NULL, 10000, &err), &err, "file_write");
    uint8_t *read_back = NULL;
    size_t read_len = 0;
    err = NULL;
    if (ok(aotsb_file_read(sb, S("data/blob.bin"), NULL, 10000, &read_back, &read_len, &err), &err, "file_read") == AOTSB_OK)
        CHECK(read_len == sizeof blob && memcmp(read_back, blob, sizeof blob) == 0, "read %zu bytes", read_len);
    aotsb_free(read_back);
    aotsb_file_list_t *list = NULL;
    err = NULL;
    if (ok(aotsb_file_list(sb, S("data"), NULL, 10000, &list, &err), &err, "file_list") == AOTSB_OK) {
        size_t count = 0;
        int found = 0;
        aotsb_file_list_count(list, &count, NULL);
        for (size_t i = 0; i < count; i++) {
            aotsb_file_entry_t entry;
            aotsb_file_list_get(list, i, &entry, NULL);
            if (strcmp(entry.name, "blob.bin") == 0 && !entry.is_directory && entry.has_size && entry.size == (int64_t)sizeof blob) found = 1;
        }
        CHECK(found, "blob.bin not listed among %zu entries", count);
        aotsb_file_entry_t past;
        CHECK(aotsb_file_list_get(list, count, &past, NULL) == AOTSB_ERR_INVALID_ARGUMENT, "index past end");
    }
    aotsb_file_list_free(list);
    CHECK(aotsb_file_read(sb, S("data/missing"), NULL, 10000, &read_back, &read_len, NULL) != AOTSB_OK, "missing file read");

    /* 10. look-up by id: no session token, but the same sandbox */
    aotsb_sandbox_t *looked_up = NULL;
    if (ok(aotsb_sandbox_get(client, id, id_len, NULL, 10000, &looked_up, &err), &err, "get") == AOTSB_OK) {
        const char *other_id, *no_token = "x";
        size_t other_len, no_token_len = 1;
        aotsb_sandbox_id(looked_up, &other_id, &other_len, NULL);
        aotsb_sandbox_session_token(looked_up, &no_token, &no_token_len, NULL);
        CHECK(other_len == id_len && memcmp(other_id, id, id_len) == 0, "get returned %s", other_id);
        CHECK(no_token == NULL && no_token_len == 0, "a looked-up sandbox has no token");
    }
    aotsb_sandbox_free(looked_up);
    CHECK(aotsb_sandbox_get(client, S("sb-does-not-exist"), NULL, 10000, &looked_up, NULL) == AOTSB_ERR_NOT_FOUND, "unknown id");

    /* 11. destroy */
    err = NULL;
    ok(aotsb_sandbox_destroy(sb, NULL, 30000, &err), &err, "destroy");
    aotsb_sandbox_free(sb);
    aotsb_client_free(client);

    if (failures) {
        fprintf(stderr, "C WALKTHROUGH FAILED (%d)\n", failures);
        return 1;
    }
    printf("C WALKTHROUGH OK\n");
    return 0;
}
