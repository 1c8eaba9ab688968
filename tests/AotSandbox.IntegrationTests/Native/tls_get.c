/*
 * One aotsb_sandbox_get over https:// through libaotsandbox.so, for NativeTlsTests: the test runs a TLS server on
 * loopback and reads what this prints. Environment: PROBE_API_HOST (https://127.0.0.1:PORT), PROBE_CA_PEM (a PEM file
 * with the one CA the library is told to trust). Prints "STATUS <name>" and "MESSAGE <text>"; exit 0 when the call
 * returned at all (whatever its status), 2 when the probe could not even set up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aotsandbox.h"

#define S(lit) lit, sizeof(lit) - 1

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buffer[64 * 1024];
    *len = fread(buffer, 1, sizeof buffer, f);
    fclose(f);
    return buffer;
}

int main(void) {
    const char *host = getenv("PROBE_API_HOST");
    const char *ca_path = getenv("PROBE_CA_PEM");
    size_t ca_len = 0;
    char *ca = ca_path ? read_file(ca_path, &ca_len) : NULL;
    if (!host || !ca || ca_len == 0) {
        fprintf(stderr, "set PROBE_API_HOST and PROBE_CA_PEM (a readable PEM file)\n");
        return 2;
    }

    aotsb_error_t *err = NULL;
    aotsb_config_t *config = NULL;
    aotsb_client_t *client = NULL;
    if (aotsb_config_new(&config, &err) != AOTSB_OK
        || aotsb_config_set_api_host(config, host, strlen(host), &err) != AOTSB_OK
        || aotsb_config_set_namespace(config, S("tls-ns"), &err) != AOTSB_OK
        || aotsb_config_set_api_key(config, S("tls-key"), &err) != AOTSB_OK
        || aotsb_config_add_trusted_ca_pem(config, ca, ca_len, &err) != AOTSB_OK
        || aotsb_client_new(config, &client, &err) != AOTSB_OK) {
        fprintf(stderr, "set-up failed: %s\n", err ? aotsb_error_message(err) : "?");
        aotsb_error_free(err);
        aotsb_config_free(config);
        return 2;
    }
    aotsb_config_free(config);

    aotsb_sandbox_t *sandbox = NULL;
    aotsb_status_t status = aotsb_sandbox_get(client, S("sb-tls"), NULL, 30000, &sandbox, &err);
    printf("STATUS %s\n", aotsb_status_string(status));
    printf("MESSAGE %s\n", err ? aotsb_error_message(err) : "");
    aotsb_error_free(err);
    aotsb_sandbox_free(sandbox);
    aotsb_client_free(client);
    return 0;
}
