/*
 * The bench's probe of libaotsandbox.so (built by bench/AotSandbox.Bench.E2E with cc against native/include):
 * the first call (which starts the .NET runtime inside the library), then create a SMALL sandbox, exec `true`, read
 * this process's RSS, destroy. Usage: probe API_HOST NAMESPACE API_KEY.
 * Prints "t NAME NANOSECONDS" on CLOCK_MONOTONIC, the clock the harness's Stopwatch reads, so the harness can measure
 * from just before it started this process; and "METRIC first_call_ms=…" / "METRIC rss_after_create_exec_kb=…" like
 * native/c/walkthrough.c. Exit code 0 only if every call succeeded and `true` exited 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aotsandbox.h"

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
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

static int failed(aotsb_status_t status, aotsb_error_t *error, const char *what) {
    if (status == AOTSB_OK) return 0;
    fprintf(stderr, "FAIL %s: %s: %s\n", what, aotsb_status_string(status), error ? aotsb_error_message(error) : "");
    aotsb_error_free(error);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: probe API_HOST NAMESPACE API_KEY\n");
        return 2;
    }

    long long t0 = now_ns();
    uint32_t abi = aotsb_abi_version(); /* first call: starts the .NET runtime */
    long long t1 = now_ns();
    printf("t first_call %lld\nMETRIC first_call_ms=%.3f\n", t1, (t1 - t0) / 1e6);
    if (abi != AOTSB_ABI_VERSION) {
        fprintf(stderr, "FAIL ABI %u, header %u\n", abi, AOTSB_ABI_VERSION);
        return 1;
    }

    aotsb_error_t *err = NULL;
    aotsb_config_t *config = NULL;
    if (failed(aotsb_config_new(&config, &err), err, "config")) return 1;
    if (failed(aotsb_config_set_api_host(config, argv[1], strlen(argv[1]), &err), err, "host")) return 1;
    if (failed(aotsb_config_set_namespace(config, argv[2], strlen(argv[2]), &err), err, "namespace")) return 1;
    if (failed(aotsb_config_set_api_key(config, argv[3], strlen(argv[3]), &err), err, "key")) return 1;
    aotsb_client_t *client = NULL;
    if (failed(aotsb_client_new(config, &client, &err), err, "client")) return 1;
    aotsb_config_free(config);

    aotsb_create_options_t *options = NULL;
    if (failed(aotsb_create_options_new(&options, &err), err, "options")) return 1;
    if (failed(aotsb_create_options_set_name(options, "native-probe", 12, &err), err, "name")) return 1;
    if (failed(aotsb_create_options_set_size(options, AOTSB_SIZE_SMALL, &err), err, "size")) return 1;
    aotsb_sandbox_t *sandbox = NULL;
    if (failed(aotsb_sandbox_create(client, options, NULL, 60000, &sandbox, &err), err, "create")) return 1;
    aotsb_create_options_free(options);
    printf("t connected %lld\n", now_ns());

    aotsb_exec_result_t *result = NULL;
    if (failed(aotsb_exec(sandbox, "true", 4, NULL, 0, NULL, NULL, NULL, 10000, &result, &err), err, "exec")) return 1;
    aotsb_exit_t exit_info;
    aotsb_exec_result_exit(result, &exit_info, NULL);
    aotsb_exec_result_free(result);
    printf("t exec %lld\nMETRIC rss_after_create_exec_kb=%ld\n", now_ns(), rss_kb());

    int code = exit_info.has_exit_code && exit_info.exit_code == 0 ? 0 : 1;
    if (failed(aotsb_sandbox_destroy(sandbox, NULL, 30000, &err), err, "destroy")) code = 1;
    aotsb_sandbox_free(sandbox);
    aotsb_client_free(client);
    printf("t destroyed %lld\n", now_ns());
    return code;
}
