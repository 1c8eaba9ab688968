use crate::callback::{c_parts, Callback, OutputFn};
use crate::error::{check, Result};
use crate::{ms, CancelToken, Client, CreateOptions, Size};
use aotsandbox_sys as sys;
use std::os::raw::c_char;
use std::ptr;
use std::time::Duration;

/// Copies a borrowed (pointer, length) view into a String.
fn text(
    call: impl FnOnce(*mut *const c_char, *mut usize, *mut *mut sys::aotsb_error_t) -> i32,
) -> Result<Option<String>> {
    let (mut p, mut n) = (ptr::null(), 0usize);
    check(|e| call(&mut p, &mut n, e))?;
    if p.is_null() {
        return Ok(None);
    }
    let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, n) };
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit {
    /// None when the sandbox was destroyed before the command exited.
    pub code: Option<i32>,
    pub destroyed: bool,
}

impl From<sys::aotsb_exit_t> for Exit {
    fn from(e: sys::aotsb_exit_t) -> Self {
        Exit {
            code: (e.has_exit_code != 0).then_some(e.exit_code),
            destroyed: e.destroyed != 0,
        }
    }
}

/// A finished foreground command.
#[derive(Debug, Clone)]
pub struct ExecOutput {
    pub exec_id: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub exit: Exit,
}

impl ExecOutput {
    fn take(result: *mut sys::aotsb_exec_result_t) -> Result<Self> {
        type Getter = unsafe extern "C" fn(
            *const sys::aotsb_exec_result_t,
            *mut *const u8,
            *mut usize,
            *mut *mut sys::aotsb_error_t,
        ) -> i32;
        let read = |f: Getter| -> Result<Vec<u8>> {
            let (mut p, mut n) = (ptr::null(), 0usize);
            check(|e| unsafe { f(result, &mut p, &mut n, e) })?;
            Ok(if n == 0 {
                Vec::new()
            } else {
                unsafe { std::slice::from_raw_parts(p, n) }.to_vec()
            })
        };
        let out = (|| {
            let mut exit = sys::aotsb_exit_t::default();
            check(|e| unsafe { sys::aotsb_exec_result_exit(result, &mut exit, e) })?;
            Ok(ExecOutput {
                exec_id: text(|p, n, e| unsafe {
                    sys::aotsb_exec_result_exec_id(result, p, n, e)
                })?
                .unwrap_or_default(),
                stdout: read(sys::aotsb_exec_result_stdout)?,
                stderr: read(sys::aotsb_exec_result_stderr)?,
                exit: exit.into(),
            })
        })();
        unsafe { sys::aotsb_exec_result_free(result) };
        out
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    pub name: String,
    pub kind: String,
    pub size: Option<i64>,
    pub is_directory: bool,
}

/// A connected sandbox. Thread-safe; dropping it closes the connection (the sandbox lives on until destroyed).
pub struct Sandbox(*mut sys::aotsb_sandbox_t);

unsafe impl Send for Sandbox {}
unsafe impl Sync for Sandbox {}

impl Sandbox {
    pub fn create(
        client: &Client,
        options: &CreateOptions,
        timeout: Option<Duration>,
    ) -> Result<Sandbox> {
        let mut o = ptr::null_mut();
        check(|e| unsafe { sys::aotsb_create_options_new(&mut o, e) })?;
        let result = (|| {
            if let Some(name) = &options.name {
                check(|e| unsafe {
                    sys::aotsb_create_options_set_name(o, name.as_ptr().cast(), name.len(), e)
                })?;
            }
            let size = match options.size {
                Size::Small => sys::AOTSB_SIZE_SMALL,
                Size::Medium => sys::AOTSB_SIZE_MEDIUM,
                Size::Large => sys::AOTSB_SIZE_LARGE,
                Size::XLarge => sys::AOTSB_SIZE_XLARGE,
            };
            check(|e| unsafe { sys::aotsb_create_options_set_size(o, size, e) })?;
            if let Some(t) = options.idle_timeout {
                check(|e| unsafe {
                    sys::aotsb_create_options_set_idle_timeout(o, t.as_secs() as u32, e)
                })?;
            }
            if let Some(t) = options.max_lifetime {
                check(|e| unsafe {
                    sys::aotsb_create_options_set_max_lifetime(o, t.as_secs() as u32, e)
                })?;
            }
            for port in &options.ports {
                check(|e| unsafe { sys::aotsb_create_options_add_port(o, *port as i32, e) })?;
            }
            for (k, v) in &options.envs {
                check(|e| unsafe {
                    sys::aotsb_create_options_set_env(
                        o,
                        k.as_ptr().cast(),
                        k.len(),
                        v.as_ptr().cast(),
                        v.len(),
                        e,
                    )
                })?;
            }
            if let Some(json) = &options.policy_json {
                check(|e| unsafe {
                    sys::aotsb_create_options_set_policy_json(
                        o,
                        json.as_ptr().cast(),
                        json.len(),
                        e,
                    )
                })?;
            }
            let mut sb = ptr::null_mut();
            check(|e| unsafe {
                sys::aotsb_sandbox_create(client.raw(), o, ptr::null_mut(), ms(timeout), &mut sb, e)
            })?;
            Ok(Sandbox(sb))
        })();
        unsafe { sys::aotsb_create_options_free(o) };
        result
    }

    /// Connects to an existing sandbox with its session token (e.g. handed over from another process).
    pub fn attach(
        client: &Client,
        id: &str,
        session_token: &str,
        timeout: Option<Duration>,
    ) -> Result<Sandbox> {
        let mut sb = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_sandbox_attach(
                client.raw(),
                id.as_ptr().cast(),
                id.len(),
                session_token.as_ptr().cast(),
                session_token.len(),
                ptr::null_mut(),
                ms(timeout),
                &mut sb,
                e,
            )
        })?;
        Ok(Sandbox(sb))
    }

    pub fn id(&self) -> String {
        text(|p, n, e| unsafe { sys::aotsb_sandbox_id(self.0, p, n, e) })
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub fn session_token(&self) -> Option<String> {
        text(|p, n, e| unsafe { sys::aotsb_sandbox_session_token(self.0, p, n, e) })
            .ok()
            .flatten()
    }

    pub fn preview_url(&self, port: u16) -> Result<String> {
        Ok(
            text(|p, n, e| unsafe {
                sys::aotsb_sandbox_preview_url(self.0, port as i32, p, n, e)
            })?
            .unwrap_or_default(),
        )
    }

    /// Runs a command to completion, capturing its output.
    pub fn exec(&self, command: &str, timeout: Option<Duration>) -> Result<ExecOutput> {
        self.exec_with(command, None, None, None, timeout)
    }

    /// Runs a command to completion: optional stdin bytes, optional streaming callback (then nothing is captured),
    /// optional cancel token and timeout (on timeout the command gets SIGTERM).
    pub fn exec_with(
        &self,
        command: &str,
        stdin: Option<&[u8]>,
        on_output: Option<OutputFn>,
        cancel: Option<&CancelToken>,
        timeout: Option<Duration>,
    ) -> Result<ExecOutput> {
        let mut cb = on_output.map(Callback::new);
        let (f, ud) = c_parts(&mut cb);
        let (sp, sn) = stdin.map_or((ptr::null(), 0), |s| (s.as_ptr(), s.len()));
        let mut r = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_exec(
                self.0,
                command.as_ptr().cast(),
                command.len(),
                sp,
                sn,
                f,
                ud,
                CancelToken::raw(cancel),
                ms(timeout),
                &mut r,
                e,
            )
        })?;
        drop(cb); // aotsb_exec guarantees no call after it returned
        ExecOutput::take(r)
    }

    /// Starts a command and returns at once: feed stdin, kill, wait.
    pub fn start(&self, command: &str, on_output: Option<OutputFn>) -> Result<Exec> {
        let mut cb = on_output.map(Callback::new);
        let (f, ud) = c_parts(&mut cb);
        let mut x = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_exec_start(
                self.0,
                command.as_ptr().cast(),
                command.len(),
                f,
                ud,
                &mut x,
                e,
            )
        })?;
        Ok(Exec {
            raw: x,
            _callback: cb,
        })
    }

    /// Starts a detached command.
    pub fn start_detached(
        &self,
        command: &str,
        on_output: Option<OutputFn>,
        timeout: Option<Duration>,
    ) -> Result<Command> {
        let mut cb = on_output.map(Callback::new);
        let (f, ud) = c_parts(&mut cb);
        let mut c = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_command_start(
                self.0,
                command.as_ptr().cast(),
                command.len(),
                ptr::null(),
                0,
                f,
                ud,
                ptr::null_mut(),
                ms(timeout),
                &mut c,
                e,
            )
        })?;
        Ok(Command {
            raw: c,
            _callback: cb,
        })
    }

    /// Re-attaches to a detached command by exec id; `replay` resends buffered output first.
    pub fn get_command(
        &self,
        exec_id: &str,
        replay: bool,
        on_output: Option<OutputFn>,
        timeout: Option<Duration>,
    ) -> Result<Command> {
        let mut cb = on_output.map(Callback::new);
        let (f, ud) = c_parts(&mut cb);
        let mut c = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_command_get(
                self.0,
                exec_id.as_ptr().cast(),
                exec_id.len(),
                replay as i32,
                f,
                ud,
                ptr::null_mut(),
                ms(timeout),
                &mut c,
                e,
            )
        })?;
        Ok(Command {
            raw: c,
            _callback: cb,
        })
    }

    pub fn write_file(&self, path: &str, data: &[u8], timeout: Option<Duration>) -> Result<()> {
        check(|e| unsafe {
            sys::aotsb_file_write(
                self.0,
                path.as_ptr().cast(),
                path.len(),
                data.as_ptr(),
                data.len(),
                ptr::null_mut(),
                ms(timeout),
                e,
            )
        })
    }

    pub fn read_file(&self, path: &str, timeout: Option<Duration>) -> Result<Vec<u8>> {
        let (mut p, mut n) = (ptr::null_mut(), 0usize);
        check(|e| unsafe {
            sys::aotsb_file_read(
                self.0,
                path.as_ptr().cast(),
                path.len(),
                ptr::null_mut(),
                ms(timeout),
                &mut p,
                &mut n,
                e,
            )
        })?;
        let bytes = unsafe { std::slice::from_raw_parts(p, n) }.to_vec();
        unsafe { sys::aotsb_free(p.cast()) };
        Ok(bytes)
    }

    pub fn list_files(&self, path: &str, timeout: Option<Duration>) -> Result<Vec<FileEntry>> {
        let mut list = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_file_list(
                self.0,
                path.as_ptr().cast(),
                path.len(),
                ptr::null_mut(),
                ms(timeout),
                &mut list,
                e,
            )
        })?;
        let entries = (|| {
            let mut count = 0usize;
            check(|e| unsafe { sys::aotsb_file_list_count(list, &mut count, e) })?;
            (0..count)
                .map(|i| {
                    let mut raw = std::mem::MaybeUninit::<sys::aotsb_file_entry_t>::zeroed();
                    check(|e| unsafe { sys::aotsb_file_list_get(list, i, raw.as_mut_ptr(), e) })?;
                    let raw = unsafe { raw.assume_init() };
                    let s = |p: *const c_char, n: usize| {
                        String::from_utf8_lossy(unsafe {
                            std::slice::from_raw_parts(p as *const u8, n)
                        })
                        .into_owned()
                    };
                    Ok(FileEntry {
                        name: s(raw.name, raw.name_len),
                        kind: s(raw.type_, raw.type_len),
                        size: (raw.has_size != 0).then_some(raw.size),
                        is_directory: raw.is_directory != 0,
                    })
                })
                .collect()
        })();
        unsafe { sys::aotsb_file_list_free(list) };
        entries
    }

    pub fn destroy(&self, timeout: Option<Duration>) -> Result<()> {
        check(|e| unsafe { sys::aotsb_sandbox_destroy(self.0, ptr::null_mut(), ms(timeout), e) })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        unsafe { sys::aotsb_sandbox_free(self.0) }
    }
}

/// A running foreground command.
pub struct Exec {
    raw: *mut sys::aotsb_exec_t,
    _callback: Option<Callback>, // dropped after aotsb_exec_free (fields drop after Drop::drop)
}

unsafe impl Send for Exec {}
unsafe impl Sync for Exec {}

impl Exec {
    pub fn id(&self) -> String {
        text(|p, n, e| unsafe { sys::aotsb_exec_id(self.raw, p, n, e) })
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub fn write_stdin(&self, data: &[u8]) -> Result<()> {
        check(|e| unsafe {
            sys::aotsb_exec_write_stdin(
                self.raw,
                data.as_ptr(),
                data.len(),
                ptr::null_mut(),
                10_000,
                e,
            )
        })
    }

    pub fn close_stdin(&self) -> Result<()> {
        check(|e| unsafe { sys::aotsb_exec_close_stdin(self.raw, ptr::null_mut(), 10_000, e) })
    }

    pub fn kill(&self, signal: &str) -> Result<()> {
        check(|e| unsafe {
            sys::aotsb_exec_kill(
                self.raw,
                signal.as_ptr().cast(),
                signal.len(),
                ptr::null_mut(),
                10_000,
                e,
            )
        })
    }

    /// Waits for the end; a timeout only stops waiting.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<ExecOutput> {
        let mut r = ptr::null_mut();
        check(|e| unsafe {
            sys::aotsb_exec_wait(self.raw, ptr::null_mut(), ms(timeout), &mut r, e)
        })?;
        ExecOutput::take(r)
    }
}

impl Drop for Exec {
    fn drop(&mut self) {
        unsafe { sys::aotsb_exec_free(self.raw) }
    }
}

/// A detached command.
pub struct Command {
    raw: *mut sys::aotsb_command_t,
    _callback: Option<Callback>,
}

unsafe impl Send for Command {}
unsafe impl Sync for Command {}

impl Command {
    pub fn exec_id(&self) -> String {
        text(|p, n, e| unsafe { sys::aotsb_command_exec_id(self.raw, p, n, e) })
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub fn pid(&self) -> Option<i64> {
        let mut pid = -1i64;
        check(|e| unsafe { sys::aotsb_command_pid(self.raw, &mut pid, e) }).ok()?;
        (pid >= 0).then_some(pid)
    }

    pub fn write_stdin(&self, data: &[u8]) -> Result<()> {
        check(|e| unsafe {
            sys::aotsb_command_write_stdin(
                self.raw,
                data.as_ptr(),
                data.len(),
                ptr::null_mut(),
                10_000,
                e,
            )
        })
    }

    pub fn close_stdin(&self) -> Result<()> {
        check(|e| unsafe { sys::aotsb_command_close_stdin(self.raw, ptr::null_mut(), 10_000, e) })
    }

    pub fn kill(&self, signal: &str) -> Result<()> {
        check(|e| unsafe {
            sys::aotsb_command_kill(
                self.raw,
                signal.as_ptr().cast(),
                signal.len(),
                ptr::null_mut(),
                10_000,
                e,
            )
        })
    }

    pub fn wait(&self, timeout: Option<Duration>) -> Result<Exit> {
        let mut exit = sys::aotsb_exit_t::default();
        check(|e| unsafe {
            sys::aotsb_command_wait(self.raw, ptr::null_mut(), ms(timeout), &mut exit, e)
        })?;
        Ok(exit.into())
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        unsafe { sys::aotsb_command_free(self.raw) }
    }
}
