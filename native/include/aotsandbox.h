/*
 * aotsandbox.h — the C ABI of libaotsandbox.so, the AotSandbox SDK compiled with .NET Native AOT.
 *
 * Conventions (they hold for every function unless its comment says otherwise):
 *
 *  STATUS   Every fallible function returns an aotsb_status_t; AOTSB_OK (0) is success. Out-parameters are written
 *           only on success. The library never lets an exception or a crash-by-design cross this boundary.
 *  ERRORS   The last parameter `aotsb_error_t **out_error` may be NULL. If non-NULL it is set to NULL on success and,
 *           on failure, to a new error object that the CALLER OWNS and must release with aotsb_error_free().
 *  STRINGS  Inputs are UTF-8 (pointer, length) pairs, never required to be NUL-terminated; invalid UTF-8 is
 *           AOTSB_ERR_INVALID_ARGUMENT. Strings handed out are BORROWED views (pointer + length, also NUL-terminated
 *           for convenience) valid until the object that lent them is freed; do not free them.
 *  HANDLES  Opaque pointers created by *_new / *_create / *_start / ... and released by the matching *_free. Every
 *           *_free accepts NULL (no-op) and must be called exactly once; using a handle after its *_free is undefined.
 *  BUFFERS  The only memory the caller frees with aotsb_free() is what aotsb_file_read() returns.
 *  BLOCKING Calls that talk to the service block the calling thread. They take `aotsb_cancel_t *cancel` (may be NULL)
 *           and `uint32_t timeout_ms` (0 = no limit). aotsb_cancel_cancel() from any thread makes them return
 *           AOTSB_ERR_CANCELLED; an elapsed timeout makes them return AOTSB_ERR_TIMEOUT.
 *  CALLBACKS aotsb_output_fn(user_data, stream, data, len): `data` is borrowed for the duration of the call only, is
 *           not NUL-terminated, may split UTF-8 sequences and may be any size (including 0). It is called on a library
 *           thread (never the caller's), one call at a time per sandbox, in arrival order. It must return quickly and
 *           must not call blocking aotsb_* functions on the same sandbox (they would wait for the very thread that runs
 *           the callback). After the *_free of the object that owns the callback returns (or, for aotsb_exec, after
 *           aotsb_exec returns), the callback is never called again, so user_data may then be released.
 *  THREADS  aotsb_client_t, aotsb_sandbox_t, aotsb_exec_t and aotsb_command_t may be used from several threads at
 *           once; results, lists and errors are immutable after creation. aotsb_config_t and aotsb_create_options_t
 *           are builders: one thread at a time. No *_free may race with another call on the same object.
 *  RUNTIME  The first call into the library starts the .NET runtime (≈1 ms). The library cannot be unloaded: never
 *           dlclose() it. The runtime installs SIGSEGV, SIGFPE and SIGRTMIN handlers (chaining to earlier ones);
 *           SIGRTMIN lacks SA_ONSTACK, which Go hosts require: the Go package adds it (native/README.md).
 */
#ifndef AOTSANDBOX_H
#define AOTSANDBOX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AOTSB_API __attribute__((visibility("default")))
#else
#define AOTSB_API
#endif

/** The ABI this header describes; compare with aotsb_abi_version() at start-up. */
#define AOTSB_ABI_VERSION 1u

/** Status of every fallible call. Values are stable; new ones may be added at the end. */
typedef enum aotsb_status {
    AOTSB_OK = 0,
    AOTSB_ERR_INVALID_ARGUMENT = 1,    /**< NULL where a value is needed, bad UTF-8, out-of-range value, malformed policy JSON. */
    AOTSB_ERR_CANCELLED = 2,           /**< The aotsb_cancel_t passed to the call was cancelled. */
    AOTSB_ERR_TIMEOUT = 3,             /**< timeout_ms elapsed (for aotsb_exec: the command was sent SIGTERM). */
    AOTSB_ERR_INITIALIZATION = 4,      /**< The sandbox could not be created or reached at start. */
    AOTSB_ERR_CLIENT = 5,              /**< The request was rejected as invalid (HTTP 4xx other than below). */
    AOTSB_ERR_NOT_FOUND = 6,           /**< No such sandbox. */
    AOTSB_ERR_UNAUTHORIZED = 7,        /**< Credentials or session token rejected. */
    AOTSB_ERR_WEBSOCKET = 8,           /**< The data-plane connection failed or closed. */
    AOTSB_ERR_COMMAND_NOT_FOUND = 9,   /**< No command with that exec id. */
    AOTSB_ERR_INVALID_PORT = 10,       /**< Port outside 1..65535. */
    AOTSB_ERR_PORT_NOT_PROVISIONED = 11, /**< Port not declared at creation. */
    AOTSB_ERR_PROTOCOL_VERSION = 12,   /**< The service speaks another protocol major version. */
    AOTSB_ERR_MALFORMED_FRAME = 13,    /**< The service sent a frame the SDK could not parse. */
    AOTSB_ERR_SANDBOX = 14,            /**< Any other failure reported by the service. */
    AOTSB_ERR_INTERNAL = 15            /**< A bug in the library; the message names the .NET exception. */
} aotsb_status_t;

/** Sandbox size tiers (cpu / memory / gpu): SMALL 500m/512Mi/0, MEDIUM 2000m/4Gi/0, LARGE 4000m/16Gi/0, XLARGE 8000m/32Gi/1. */
typedef enum aotsb_size {
    AOTSB_SIZE_SMALL = 0,
    AOTSB_SIZE_MEDIUM = 1,
    AOTSB_SIZE_LARGE = 2,
    AOTSB_SIZE_XLARGE = 3
} aotsb_size_t;

/** Output stream of a callback chunk. */
enum { AOTSB_STDOUT = 0, AOTSB_STDERR = 1 };

typedef struct aotsb_error aotsb_error_t;
typedef struct aotsb_cancel aotsb_cancel_t;
typedef struct aotsb_config aotsb_config_t;
typedef struct aotsb_client aotsb_client_t;
typedef struct aotsb_create_options aotsb_create_options_t;
typedef struct aotsb_sandbox aotsb_sandbox_t;
typedef struct aotsb_exec aotsb_exec_t;
typedef struct aotsb_exec_result aotsb_exec_result_t;
typedef struct aotsb_command aotsb_command_t;
typedef struct aotsb_file_list aotsb_file_list_t;

/** How a command ended. 12 bytes, no padding. */
typedef struct aotsb_exit {
    int32_t exit_code;     /**< Valid when has_exit_code is 1; -1 otherwise. */
    int32_t has_exit_code; /**< 0 when the command had no exit code (the sandbox was destroyed first). */
    int32_t destroyed;     /**< 1 when the sandbox was destroyed while the command ran. */
} aotsb_exit_t;

/** One directory entry. 48 bytes on LP64, no implicit padding. Pointers are borrowed from the aotsb_file_list_t. */
typedef struct aotsb_file_entry {
    const char *name;   /**< UTF-8, NUL-terminated. */
    size_t name_len;
    const char *type;   /**< "file", "directory", ... as the service reports it. */
    size_t type_len;
    int64_t size;       /**< Bytes; -1 when has_size is 0. */
    int32_t is_directory;
    int32_t has_size;
} aotsb_file_entry_t;

/** Output callback; see CALLBACKS above. stream is AOTSB_STDOUT or AOTSB_STDERR. */
typedef void (*aotsb_output_fn)(void *user_data, int32_t stream, const uint8_t *data, size_t len);

/* ---------------------------------------------------------------- library ---------------------------------------- */

/** The library version, e.g. "0.1.0-alpha.1". Static string: never free. Thread-safe. Cannot fail. */
AOTSB_API const char *aotsb_version(void);

/** The ABI version of the loaded library; equals AOTSB_ABI_VERSION when header and library match. Thread-safe. Cannot fail. No ownership involved. */
AOTSB_API uint32_t aotsb_abi_version(void);

/** The enum name of a status (e.g. "AOTSB_ERR_TIMEOUT"); "AOTSB_ERR_UNKNOWN" for other values. Static string. Thread-safe. */
AOTSB_API const char *aotsb_status_string(int32_t status);

/** Frees a buffer returned by aotsb_file_read(). NULL is a no-op. Thread-safe. Never use free() on it. Takes ownership of buffer. */
AOTSB_API void aotsb_free(void *buffer);

/* ---------------------------------------------------------------- errors ----------------------------------------- */

/** The status carried by an error. Does not take ownership. Thread-safe. AOTSB_ERR_INVALID_ARGUMENT for NULL. */
AOTSB_API aotsb_status_t aotsb_error_status(const aotsb_error_t *error);

/** The error's message, UTF-8, NUL-terminated, borrowed until aotsb_error_free(error). Thread-safe. Never NULL. */
AOTSB_API const char *aotsb_error_message(const aotsb_error_t *error);

/** Releases an error (takes ownership). NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_error_free(aotsb_error_t *error);

/* ---------------------------------------------------------------- cancellation ----------------------------------- */

/** Creates a cancel token; the caller owns it (aotsb_cancel_free). One token may be passed to many calls at once. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_cancel_new(aotsb_cancel_t **out_cancel, aotsb_error_t **out_error);

/** Cancels every call using the token, now and later (permanent). Thread-safe: call it from any thread, also from an
 *  output callback. Not async-signal-safe. Does not take ownership. */
AOTSB_API aotsb_status_t aotsb_cancel_cancel(aotsb_cancel_t *cancel, aotsb_error_t **out_error);

/** Releases a token (takes ownership). No call using it may still be running. NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_cancel_free(aotsb_cancel_t *cancel);

/* ---------------------------------------------------------------- configuration / client ------------------------- */

/** Creates an empty configuration (caller owns it; aotsb_config_free). Unset credentials fall back to the environment
 *  variables __OW_API_HOST, __OW_NAMESPACE and __OW_API_KEY when the client is made. One thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_new(aotsb_config_t **out_config, aotsb_error_t **out_error);

/** Releases a configuration (takes ownership). Clients made from it stay valid. NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_config_free(aotsb_config_t *config);

/** Sets the API host, e.g. "https://adobeioruntime.net" (copied; NULL unsets). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_set_api_host(aotsb_config_t *config, const char *api_host, size_t api_host_len, aotsb_error_t **out_error);

/** Sets the namespace (copied; NULL unsets). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_set_namespace(aotsb_config_t *config, const char *ns, size_t ns_len, aotsb_error_t **out_error);

/** Sets the API key "uuid:secret" (copied; NULL unsets). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_set_api_key(aotsb_config_t *config, const char *api_key, size_t api_key_len, aotsb_error_t **out_error);

/** Non-zero disables TLS certificate validation (development only). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_set_skip_tls_verify(aotsb_config_t *config, int32_t skip, aotsb_error_t **out_error);

/** Adds trusted CA certificates from PEM text (copied); when any is added, only these anchor the chain. Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_add_trusted_ca_pem(aotsb_config_t *config, const char *pem, size_t pem_len, aotsb_error_t **out_error);

/** Per-request HTTP timeout in ms (0 = SDK default). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_set_http_timeout(aotsb_config_t *config, uint32_t timeout_ms, aotsb_error_t **out_error);

/** WebSocket connect timeout in ms (0 = SDK default, 10 s). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_config_set_connect_timeout(aotsb_config_t *config, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Makes an immutable client from a configuration (copied; NULL = environment only). Caller owns the client
 *  (aotsb_client_free). Fails with AOTSB_ERR_INVALID_ARGUMENT when credentials are missing. Thread-safe afterwards. */
AOTSB_API aotsb_status_t aotsb_client_new(const aotsb_config_t *config, aotsb_client_t **out_client, aotsb_error_t **out_error);

/** Releases a client (takes ownership). Sandboxes made with it stay valid. NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_client_free(aotsb_client_t *client);

/* ---------------------------------------------------------------- create options --------------------------------- */

/** Creates create-options with the SDK defaults (MEDIUM, type "cpu:default", idle 900 s, lifetime 3600 s). Caller owns
 *  them (aotsb_create_options_free). One thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_new(aotsb_create_options_t **out_options, aotsb_error_t **out_error);

/** Releases create-options (takes ownership). NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_create_options_free(aotsb_create_options_t *options);

/** Sandbox name (copied; NULL unsets). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_name(aotsb_create_options_t *options, const char *name, size_t name_len, aotsb_error_t **out_error);

/** Sandbox type, e.g. "cpu:default" (copied). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_type(aotsb_create_options_t *options, const char *type, size_t type_len, aotsb_error_t **out_error);

/** Size tier (an aotsb_size_t). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_size(aotsb_create_options_t *options, int32_t size, aotsb_error_t **out_error);

/** Idle timeout in seconds. Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_idle_timeout(aotsb_create_options_t *options, uint32_t seconds, aotsb_error_t **out_error);

/** Maximum lifetime in seconds. Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_max_lifetime(aotsb_create_options_t *options, uint32_t seconds, aotsb_error_t **out_error);

/** Declares a port to expose as a preview URL (1..65535, else AOTSB_ERR_INVALID_PORT). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_add_port(aotsb_create_options_t *options, int32_t port, aotsb_error_t **out_error);

/** Sets an environment variable of the sandbox (both copied; a second call with the same name replaces the value). Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_env(aotsb_create_options_t *options, const char *name, size_t name_len, const char *value, size_t value_len, aotsb_error_t **out_error);

/** Sets the policy from its wire JSON, e.g. {"network":{"egress":[{"host":"*.adobe.io","port":443}]}} or
 *  {"network":{"egress":"allow-all"}}. Parsed now, strictly (AOTSB_ERR_INVALID_ARGUMENT naming the key if malformed, e.g. an unknown key); NULL unsets. Borrows the builder; one thread at a time. */
AOTSB_API aotsb_status_t aotsb_create_options_set_policy_json(aotsb_create_options_t *options, const char *json, size_t json_len, aotsb_error_t **out_error);

/* ---------------------------------------------------------------- sandboxes -------------------------------------- */

/** Creates a sandbox and connects to it. Borrows client and options (NULL options = defaults); the caller owns the new
 *  sandbox (aotsb_sandbox_free). Blocking. A sandbox created but not reachable is deleted before this fails. Thread-safe: one client may serve many threads. */
AOTSB_API aotsb_status_t aotsb_sandbox_create(const aotsb_client_t *client, const aotsb_create_options_t *options, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_sandbox_t **out_sandbox, aotsb_error_t **out_error);

/** Looks up an existing sandbox by id (no session token: it can be destroyed and inspected, not driven). Caller owns
 *  the result. Blocking. Thread-safe: one client may serve many threads. */
AOTSB_API aotsb_status_t aotsb_sandbox_get(const aotsb_client_t *client, const char *sandbox_id, size_t sandbox_id_len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_sandbox_t **out_sandbox, aotsb_error_t **out_error);

/** Connects to an existing sandbox with its session token (see aotsb_sandbox_session_token), e.g. from another process.
 *  Caller owns the result. Blocking. Thread-safe: one client may serve many threads. */
AOTSB_API aotsb_status_t aotsb_sandbox_attach(const aotsb_client_t *client, const char *sandbox_id, size_t sandbox_id_len, const char *session_token, size_t session_token_len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_sandbox_t **out_sandbox, aotsb_error_t **out_error);

/** Destroys the sandbox on the service. Pending work resolves as destroyed. Does not free the handle. Blocking. Thread-safe. Borrows the handle. */
AOTSB_API aotsb_status_t aotsb_sandbox_destroy(aotsb_sandbox_t *sandbox, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Closes the connection (the sandbox itself lives on until destroyed or expired) and releases the handle (takes
 *  ownership). May block briefly while the connection closes. Exec/command handles of it then fail with
 *  AOTSB_ERR_WEBSOCKET; free them too. NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_sandbox_free(aotsb_sandbox_t *sandbox);

/** The sandbox id; borrowed until aotsb_sandbox_free. Thread-safe. out_len may be NULL. */
AOTSB_API aotsb_status_t aotsb_sandbox_id(const aotsb_sandbox_t *sandbox, const char **out_id, size_t *out_len, aotsb_error_t **out_error);

/** The session token (a secret: pass it only to a process you trust) or *out_token = NULL when this handle has none
 *  (aotsb_sandbox_get). Borrowed until aotsb_sandbox_free. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_sandbox_session_token(const aotsb_sandbox_t *sandbox, const char **out_token, size_t *out_len, aotsb_error_t **out_error);

/** The preview URL of a port declared at creation. No network call. Borrowed until aotsb_sandbox_free. Thread-safe.
 *  AOTSB_ERR_INVALID_PORT / AOTSB_ERR_PORT_NOT_PROVISIONED otherwise. */
AOTSB_API aotsb_status_t aotsb_sandbox_preview_url(const aotsb_sandbox_t *sandbox, int32_t port, const char **out_url, size_t *out_len, aotsb_error_t **out_error);

/* ---------------------------------------------------------------- foreground commands ---------------------------- */

/** Runs a command to completion. stdin: bytes written then closed (copied; NULL = none). on_output: NULL captures
 *  stdout/stderr into the result; non-NULL streams them to the callback instead (result output then empty).
 *  timeout_ms: after it the command gets SIGTERM and the call returns AOTSB_ERR_TIMEOUT; cancel likewise with
 *  AOTSB_ERR_CANCELLED. A non-zero exit code is a success (see aotsb_exec_result_exit). Caller owns *out_result.
 *  Blocking. Thread-safe: several commands may run at once on one sandbox. */
AOTSB_API aotsb_status_t aotsb_exec(aotsb_sandbox_t *sandbox, const char *command, size_t command_len, const uint8_t *stdin_data, size_t stdin_len, aotsb_output_fn on_output, void *user_data, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_exec_result_t **out_result, aotsb_error_t **out_error);

/** Starts a command and returns at once with a handle to feed stdin, kill and wait (caller owns it; aotsb_exec_free).
 *  on_output as in aotsb_exec; the callback stays registered until aotsb_exec_free. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_exec_start(aotsb_sandbox_t *sandbox, const char *command, size_t command_len, aotsb_output_fn on_output, void *user_data, aotsb_exec_t **out_exec, aotsb_error_t **out_error);

/** The exec id; borrowed until aotsb_exec_free. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_exec_id(const aotsb_exec_t *exec, const char **out_id, size_t *out_len, aotsb_error_t **out_error);

/** Writes bytes to the command's stdin (copied). Blocking until sent. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_exec_write_stdin(aotsb_exec_t *exec, const uint8_t *data, size_t len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Closes the command's stdin (end of input). Blocking until sent. Thread-safe. Borrows the handle. */
AOTSB_API aotsb_status_t aotsb_exec_close_stdin(aotsb_exec_t *exec, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Sends a signal by name ("SIGTERM", "SIGKILL", "SIGINT", ...; NULL = "SIGTERM"). Blocking until sent. Thread-safe. Borrows the handle. */
AOTSB_API aotsb_status_t aotsb_exec_kill(aotsb_exec_t *exec, const char *signal_name, size_t signal_name_len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Waits for the command to end. A timeout or cancel here only stops waiting (the command keeps running; wait again
 *  or kill it). Caller owns *out_result. May be called again after success (a new result each time). Thread-safe. */
AOTSB_API aotsb_status_t aotsb_exec_wait(aotsb_exec_t *exec, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_exec_result_t **out_result, aotsb_error_t **out_error);

/** Releases the handle (takes ownership); the command is not killed. After return the callback is never called again. Must not race with another call on the same object. */
AOTSB_API void aotsb_exec_free(aotsb_exec_t *exec);

/** The exec id of a result; borrowed until aotsb_exec_result_free. Borrows the result; thread-safe (results are immutable). */
AOTSB_API aotsb_status_t aotsb_exec_result_exec_id(const aotsb_exec_result_t *result, const char **out_id, size_t *out_len, aotsb_error_t **out_error);

/** Captured stdout bytes (may be empty, then *out_len is 0); borrowed until aotsb_exec_result_free. Borrows the result; thread-safe (results are immutable). */
AOTSB_API aotsb_status_t aotsb_exec_result_stdout(const aotsb_exec_result_t *result, const uint8_t **out_data, size_t *out_len, aotsb_error_t **out_error);

/** Captured stderr bytes; borrowed until aotsb_exec_result_free. Borrows the result; thread-safe (results are immutable). */
AOTSB_API aotsb_status_t aotsb_exec_result_stderr(const aotsb_exec_result_t *result, const uint8_t **out_data, size_t *out_len, aotsb_error_t **out_error);

/** Exit code and destroyed flag, copied into *out_exit. Borrows the result; thread-safe (results are immutable). */
AOTSB_API aotsb_status_t aotsb_exec_result_exit(const aotsb_exec_result_t *result, aotsb_exit_t *out_exit, aotsb_error_t **out_error);

/** Releases a result (takes ownership). NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_exec_result_free(aotsb_exec_result_t *result);

/* ---------------------------------------------------------------- detached commands ------------------------------ */

/** Starts a detached (background) command that survives this connection; returns once the service acknowledged it.
 *  stdin as in aotsb_exec. on_output may be NULL. Caller owns *out_command (aotsb_command_free). Blocking. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_command_start(aotsb_sandbox_t *sandbox, const char *command, size_t command_len, const uint8_t *stdin_data, size_t stdin_len, aotsb_output_fn on_output, void *user_data, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_command_t **out_command, aotsb_error_t **out_error);

/** Re-attaches to a detached command by exec id (e.g. from another connection or process). replay non-zero asks the
 *  service to resend buffered output first. AOTSB_ERR_COMMAND_NOT_FOUND if unknown. Caller owns *out_command. Blocking. Borrows the sandbox; thread-safe. */
AOTSB_API aotsb_status_t aotsb_command_get(aotsb_sandbox_t *sandbox, const char *exec_id, size_t exec_id_len, int32_t replay, aotsb_output_fn on_output, void *user_data, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_command_t **out_command, aotsb_error_t **out_error);

/** The exec id; borrowed until aotsb_command_free. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_command_exec_id(const aotsb_command_t *command, const char **out_id, size_t *out_len, aotsb_error_t **out_error);

/** The process id inside the sandbox, or -1 when not known. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_command_pid(const aotsb_command_t *command, int64_t *out_pid, aotsb_error_t **out_error);

/** Writes bytes to its stdin (copied). Blocking until sent. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_command_write_stdin(aotsb_command_t *command, const uint8_t *data, size_t len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Closes its stdin. Blocking until sent. Thread-safe. Borrows the handle. */
AOTSB_API aotsb_status_t aotsb_command_close_stdin(aotsb_command_t *command, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Sends a signal by name (NULL = "SIGTERM"). Blocking until sent. Thread-safe. Borrows the handle. */
AOTSB_API aotsb_status_t aotsb_command_kill(aotsb_command_t *command, const char *signal_name, size_t signal_name_len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Waits for the command to end; a timeout or cancel only stops waiting. Fills *out_exit. Blocking. Thread-safe. Borrows the handle. */
AOTSB_API aotsb_status_t aotsb_command_wait(aotsb_command_t *command, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_exit_t *out_exit, aotsb_error_t **out_error);

/** Releases the handle (takes ownership); the command keeps running. After return the callback is never called again. Must not race with another call on the same object. */
AOTSB_API void aotsb_command_free(aotsb_command_t *command);

/* ---------------------------------------------------------------- files ------------------------------------------ */

/** Writes bytes (copied) to a file in the sandbox, creating or replacing it. Blocking. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_file_write(aotsb_sandbox_t *sandbox, const char *path, size_t path_len, const uint8_t *data, size_t len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_error_t **out_error);

/** Reads a whole file. *out_data is a new buffer the CALLER OWNS and releases with aotsb_free (never NULL on success,
 *  also for an empty file; one NUL byte follows the content). Blocking. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_file_read(aotsb_sandbox_t *sandbox, const char *path, size_t path_len, aotsb_cancel_t *cancel, uint32_t timeout_ms, uint8_t **out_data, size_t *out_len, aotsb_error_t **out_error);

/** Lists a directory. Caller owns *out_list (aotsb_file_list_free). Blocking. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_file_list(aotsb_sandbox_t *sandbox, const char *path, size_t path_len, aotsb_cancel_t *cancel, uint32_t timeout_ms, aotsb_file_list_t **out_list, aotsb_error_t **out_error);

/** Number of entries. Thread-safe. Borrows the list. */
AOTSB_API aotsb_status_t aotsb_file_list_count(const aotsb_file_list_t *list, size_t *out_count, aotsb_error_t **out_error);

/** Copies entry `index` into *out_entry; its strings are borrowed until aotsb_file_list_free. Thread-safe. */
AOTSB_API aotsb_status_t aotsb_file_list_get(const aotsb_file_list_t *list, size_t index, aotsb_file_entry_t *out_entry, aotsb_error_t **out_error);

/** Releases a listing (takes ownership). NULL is a no-op. Must not race with another call on the same object. */
AOTSB_API void aotsb_file_list_free(aotsb_file_list_t *list);

#ifdef __cplusplus
}
#endif

#endif /* AOTSANDBOX_H */
