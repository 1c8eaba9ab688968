//! Output callbacks: a boxed Rust closure travels as `user_data`; the trampoline never lets a panic unwind into C.
use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Which stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Receives output on a library thread, one call at a time per sandbox; `data` may split UTF-8 sequences.
pub type OutputFn = Box<dyn FnMut(Stream, &[u8]) + Send>;

/// Owns the closure for as long as the C side may call it (until the owning handle is freed).
pub(crate) struct Callback(Box<OutputFn>);

impl Callback {
    pub(crate) fn new(f: OutputFn) -> Self {
        Callback(Box::new(f))
    }

    pub(crate) fn user_data(&mut self) -> *mut c_void {
        &mut *self.0 as *mut OutputFn as *mut c_void
    }
}

pub(crate) unsafe extern "C" fn trampoline(
    user_data: *mut c_void,
    stream: i32,
    data: *const u8,
    len: usize,
) {
    let f = &mut *(user_data as *mut OutputFn);
    let bytes = if len == 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(data, len)
    };
    let stream = if stream == aotsandbox_sys::AOTSB_STDERR {
        Stream::Stderr
    } else {
        Stream::Stdout
    };
    // A panic must not cross the C frames below us; the chunk is dropped and the panic reported on stderr.
    if catch_unwind(AssertUnwindSafe(|| f(stream, bytes))).is_err() {
        eprintln!("aotsandbox: output callback panicked; chunk dropped");
    }
}

/// (fn, user_data) for C: both null when there is no callback.
pub(crate) fn c_parts(cb: &mut Option<Callback>) -> (aotsandbox_sys::aotsb_output_fn, *mut c_void) {
    match cb {
        Some(cb) => (Some(trampoline), cb.user_data()),
        None => (None, std::ptr::null_mut()),
    }
}
