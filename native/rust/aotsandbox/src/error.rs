use aotsandbox_sys as sys;
use std::ffi::CStr;
use std::fmt;

/// A failed call: the library's status code plus its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub status: i32,
    pub message: String,
}

impl Error {
    /// The status's enum name, e.g. "AOTSB_ERR_TIMEOUT".
    pub fn status_name(&self) -> &'static str {
        unsafe { CStr::from_ptr(sys::aotsb_status_string(self.status)) }
            .to_str()
            .unwrap_or("?")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status_name(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// Runs one C call with an error out-parameter and turns (status, error object) into a Result, freeing the object.
pub(crate) fn check(
    call: impl FnOnce(*mut *mut sys::aotsb_error_t) -> sys::aotsb_status_t,
) -> Result<()> {
    let mut err: *mut sys::aotsb_error_t = std::ptr::null_mut();
    let status = call(&mut err);
    if status == sys::AOTSB_OK {
        return Ok(());
    }
    let message = if err.is_null() {
        String::new()
    } else {
        let text = unsafe { CStr::from_ptr(sys::aotsb_error_message(err)) }
            .to_string_lossy()
            .into_owned();
        unsafe { sys::aotsb_error_free(err) };
        text
    };
    Err(Error { status, message })
}
