/* The claim-time environment: a pre-warmed sandbox is started before anyone asked for it, so the tenant's envs
   cannot be on bwrap's command line. The host sends them once, before the first command; every command inherits
   the agent's environ, so setting them here is all it takes. Once a command ran, the environment is fixed:
   a late change would make earlier and later commands of one sandbox disagree. */
#include "agent.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool sealed;

void env_seal(void)
{
    sealed = true;
}

/* Payload: entries "NAME=VALUE\0". The whole request is validated before anything is set, so a bad entry
   changes nothing. Answered with pong, or error (EPERM after a command ran, EINVAL for a malformed entry). */
void env_apply(uint32_t id, const uint8_t *payload, size_t len)
{
    if (sealed) {
        wire_error(id, EPERM, "the environment is fixed once a command ran");
        return;
    }
    if (len > 0 && payload[len - 1] != 0) {
        wire_error(id, EINVAL, "environment entries must each end with NUL");
        return;
    }
    for (size_t pos = 0; pos < len;) {
        const char *entry = (const char *)payload + pos;
        size_t entry_len = strlen(entry);
        const char *eq = memchr(entry, '=', entry_len);
        if (!eq || eq == entry) {
            wire_error(id, EINVAL, "environment entries must be NAME=VALUE with a non-empty name");
            return;
        }
        pos += entry_len + 1;
    }
    for (size_t pos = 0; pos < len;) {
        char *entry = (char *)payload + pos; /* the request buffer is ours until the next read */
        size_t entry_len = strlen(entry);
        char *eq = strchr(entry, '=');
        *eq = 0;
        int rc = setenv(entry, eq + 1, 1);
        *eq = '=';
        if (rc != 0) {
            wire_error(id, errno, "setenv");
            return;
        }
        pos += entry_len + 1;
    }
    wire_emit(EV_PONG, id, NULL, 0, NULL, 0);
}
