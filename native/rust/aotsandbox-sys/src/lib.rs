//! Raw FFI declarations of `native/include/aotsandbox.h`, written by hand and kept honest by tests: the layout
//! test below (struct sizes and offsets), the repository's header/export symbol test, and
//! tests/AotSandbox.Tests/Native/CAbiConsistencyTests (every constant, signature and struct field against the header). Every function, ownership
//! rule and threading rule is documented in the header; read it before using these directly.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

pub const AOTSB_ABI_VERSION: u32 = 1;

pub type aotsb_status_t = i32;
pub const AOTSB_OK: aotsb_status_t = 0;
pub const AOTSB_ERR_INVALID_ARGUMENT: aotsb_status_t = 1;
pub const AOTSB_ERR_CANCELLED: aotsb_status_t = 2;
pub const AOTSB_ERR_TIMEOUT: aotsb_status_t = 3;
pub const AOTSB_ERR_INITIALIZATION: aotsb_status_t = 4;
pub const AOTSB_ERR_CLIENT: aotsb_status_t = 5;
pub const AOTSB_ERR_NOT_FOUND: aotsb_status_t = 6;
pub const AOTSB_ERR_UNAUTHORIZED: aotsb_status_t = 7;
pub const AOTSB_ERR_WEBSOCKET: aotsb_status_t = 8;
pub const AOTSB_ERR_COMMAND_NOT_FOUND: aotsb_status_t = 9;
pub const AOTSB_ERR_INVALID_PORT: aotsb_status_t = 10;
pub const AOTSB_ERR_PORT_NOT_PROVISIONED: aotsb_status_t = 11;
pub const AOTSB_ERR_PROTOCOL_VERSION: aotsb_status_t = 12;
pub const AOTSB_ERR_MALFORMED_FRAME: aotsb_status_t = 13;
pub const AOTSB_ERR_SANDBOX: aotsb_status_t = 14;
pub const AOTSB_ERR_INTERNAL: aotsb_status_t = 15;

pub const AOTSB_SIZE_SMALL: i32 = 0;
pub const AOTSB_SIZE_MEDIUM: i32 = 1;
pub const AOTSB_SIZE_LARGE: i32 = 2;
pub const AOTSB_SIZE_XLARGE: i32 = 3;

pub const AOTSB_STDOUT: i32 = 0;
pub const AOTSB_STDERR: i32 = 1;

macro_rules! opaque {
    ($($name:ident),*) => {$(
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
        }
    )*};
}
opaque!(
    aotsb_error_t,
    aotsb_cancel_t,
    aotsb_config_t,
    aotsb_client_t,
    aotsb_create_options_t,
    aotsb_sandbox_t,
    aotsb_exec_t,
    aotsb_exec_result_t,
    aotsb_command_t,
    aotsb_file_list_t
);

#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct aotsb_exit_t {
    pub exit_code: i32,
    pub has_exit_code: i32,
    pub destroyed: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct aotsb_file_entry_t {
    pub name: *const c_char,
    pub name_len: usize,
    pub type_: *const c_char,
    pub type_len: usize,
    pub size: i64,
    pub is_directory: i32,
    pub has_size: i32,
}

pub type aotsb_output_fn =
    Option<unsafe extern "C" fn(user_data: *mut c_void, stream: i32, data: *const u8, len: usize)>;

type Err = *mut *mut aotsb_error_t;

extern "C" {
    pub fn aotsb_version() -> *const c_char;
    pub fn aotsb_abi_version() -> u32;
    pub fn aotsb_status_string(status: i32) -> *const c_char;
    pub fn aotsb_free(buffer: *mut c_void);

    pub fn aotsb_error_status(error: *const aotsb_error_t) -> aotsb_status_t;
    pub fn aotsb_error_message(error: *const aotsb_error_t) -> *const c_char;
    pub fn aotsb_error_free(error: *mut aotsb_error_t);

    pub fn aotsb_cancel_new(out_cancel: *mut *mut aotsb_cancel_t, out_error: Err)
        -> aotsb_status_t;
    pub fn aotsb_cancel_cancel(cancel: *mut aotsb_cancel_t, out_error: Err) -> aotsb_status_t;
    pub fn aotsb_cancel_free(cancel: *mut aotsb_cancel_t);

    pub fn aotsb_config_new(out_config: *mut *mut aotsb_config_t, out_error: Err)
        -> aotsb_status_t;
    pub fn aotsb_config_free(config: *mut aotsb_config_t);
    pub fn aotsb_config_set_api_host(
        config: *mut aotsb_config_t,
        v: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_config_set_namespace(
        config: *mut aotsb_config_t,
        v: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_config_set_api_key(
        config: *mut aotsb_config_t,
        v: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_config_set_skip_tls_verify(
        config: *mut aotsb_config_t,
        skip: i32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_config_add_trusted_ca_pem(
        config: *mut aotsb_config_t,
        pem: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_config_set_http_timeout(
        config: *mut aotsb_config_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_config_set_connect_timeout(
        config: *mut aotsb_config_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_client_new(
        config: *const aotsb_config_t,
        out_client: *mut *mut aotsb_client_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_client_free(client: *mut aotsb_client_t);

    pub fn aotsb_create_options_new(
        out_options: *mut *mut aotsb_create_options_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_free(options: *mut aotsb_create_options_t);
    pub fn aotsb_create_options_set_name(
        o: *mut aotsb_create_options_t,
        v: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_set_type(
        o: *mut aotsb_create_options_t,
        v: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_set_size(
        o: *mut aotsb_create_options_t,
        size: i32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_set_idle_timeout(
        o: *mut aotsb_create_options_t,
        seconds: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_set_max_lifetime(
        o: *mut aotsb_create_options_t,
        seconds: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_add_port(
        o: *mut aotsb_create_options_t,
        port: i32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_set_env(
        o: *mut aotsb_create_options_t,
        name: *const c_char,
        name_len: usize,
        value: *const c_char,
        value_len: usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_create_options_set_policy_json(
        o: *mut aotsb_create_options_t,
        json: *const c_char,
        len: usize,
        out_error: Err,
    ) -> aotsb_status_t;

    pub fn aotsb_sandbox_create(
        client: *const aotsb_client_t,
        options: *const aotsb_create_options_t,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_sandbox: *mut *mut aotsb_sandbox_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_sandbox_get(
        client: *const aotsb_client_t,
        id: *const c_char,
        id_len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_sandbox: *mut *mut aotsb_sandbox_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_sandbox_attach(
        client: *const aotsb_client_t,
        id: *const c_char,
        id_len: usize,
        token: *const c_char,
        token_len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_sandbox: *mut *mut aotsb_sandbox_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_sandbox_destroy(
        sandbox: *mut aotsb_sandbox_t,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_sandbox_free(sandbox: *mut aotsb_sandbox_t);
    pub fn aotsb_sandbox_id(
        sandbox: *const aotsb_sandbox_t,
        out: *mut *const c_char,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_sandbox_session_token(
        sandbox: *const aotsb_sandbox_t,
        out: *mut *const c_char,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_sandbox_preview_url(
        sandbox: *const aotsb_sandbox_t,
        port: i32,
        out: *mut *const c_char,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;

    pub fn aotsb_exec(
        sandbox: *mut aotsb_sandbox_t,
        command: *const c_char,
        command_len: usize,
        stdin_data: *const u8,
        stdin_len: usize,
        on_output: aotsb_output_fn,
        user_data: *mut c_void,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_result: *mut *mut aotsb_exec_result_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_start(
        sandbox: *mut aotsb_sandbox_t,
        command: *const c_char,
        command_len: usize,
        on_output: aotsb_output_fn,
        user_data: *mut c_void,
        out_exec: *mut *mut aotsb_exec_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_id(
        exec: *const aotsb_exec_t,
        out: *mut *const c_char,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_write_stdin(
        exec: *mut aotsb_exec_t,
        data: *const u8,
        len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_close_stdin(
        exec: *mut aotsb_exec_t,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_kill(
        exec: *mut aotsb_exec_t,
        signal: *const c_char,
        signal_len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_wait(
        exec: *mut aotsb_exec_t,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_result: *mut *mut aotsb_exec_result_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_free(exec: *mut aotsb_exec_t);
    pub fn aotsb_exec_result_exec_id(
        result: *const aotsb_exec_result_t,
        out: *mut *const c_char,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_result_stdout(
        result: *const aotsb_exec_result_t,
        out: *mut *const u8,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_result_stderr(
        result: *const aotsb_exec_result_t,
        out: *mut *const u8,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_result_exit(
        result: *const aotsb_exec_result_t,
        out_exit: *mut aotsb_exit_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_exec_result_free(result: *mut aotsb_exec_result_t);

    pub fn aotsb_command_start(
        sandbox: *mut aotsb_sandbox_t,
        command: *const c_char,
        command_len: usize,
        stdin_data: *const u8,
        stdin_len: usize,
        on_output: aotsb_output_fn,
        user_data: *mut c_void,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_command: *mut *mut aotsb_command_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_get(
        sandbox: *mut aotsb_sandbox_t,
        exec_id: *const c_char,
        exec_id_len: usize,
        replay: i32,
        on_output: aotsb_output_fn,
        user_data: *mut c_void,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_command: *mut *mut aotsb_command_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_exec_id(
        command: *const aotsb_command_t,
        out: *mut *const c_char,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_pid(
        command: *const aotsb_command_t,
        out_pid: *mut i64,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_write_stdin(
        command: *mut aotsb_command_t,
        data: *const u8,
        len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_close_stdin(
        command: *mut aotsb_command_t,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_kill(
        command: *mut aotsb_command_t,
        signal: *const c_char,
        signal_len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_wait(
        command: *mut aotsb_command_t,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_exit: *mut aotsb_exit_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_command_free(command: *mut aotsb_command_t);

    pub fn aotsb_file_write(
        sandbox: *mut aotsb_sandbox_t,
        path: *const c_char,
        path_len: usize,
        data: *const u8,
        len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_file_read(
        sandbox: *mut aotsb_sandbox_t,
        path: *const c_char,
        path_len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_data: *mut *mut u8,
        out_len: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_file_list(
        sandbox: *mut aotsb_sandbox_t,
        path: *const c_char,
        path_len: usize,
        cancel: *mut aotsb_cancel_t,
        timeout_ms: u32,
        out_list: *mut *mut aotsb_file_list_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_file_list_count(
        list: *const aotsb_file_list_t,
        out_count: *mut usize,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_file_list_get(
        list: *const aotsb_file_list_t,
        index: usize,
        out_entry: *mut aotsb_file_entry_t,
        out_error: Err,
    ) -> aotsb_status_t;
    pub fn aotsb_file_list_free(list: *mut aotsb_file_list_t);
}
