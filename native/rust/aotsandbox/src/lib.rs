//! Safe Rust API over libaotsandbox.so. Handles free themselves on drop; errors are `Result<_, Error>` carrying the
//! C status; output callbacks are `FnMut(Stream, &[u8]) + Send` closures; blocking calls accept a `CancelToken` and a
//! timeout. See native/include/aotsandbox.h for the contract each call rests on.
mod callback;
mod error;
mod sandbox;

pub use callback::{OutputFn, Stream};
pub use error::{Error, Result};
pub use sandbox::{Command, Exec, ExecOutput, Exit, FileEntry, Sandbox};

use aotsandbox_sys as sys;
use error::check;
use std::ffi::CStr;
use std::ptr;
use std::time::Duration;

/// The library version string.
pub fn version() -> &'static str {
    unsafe { CStr::from_ptr(sys::aotsb_version()) }
        .to_str()
        .unwrap_or("?")
}

/// True when the loaded library speaks the ABI these bindings were written for.
pub fn abi_matches() -> bool {
    unsafe { sys::aotsb_abi_version() == sys::AOTSB_ABI_VERSION }
}

pub(crate) fn ms(timeout: Option<Duration>) -> u32 {
    timeout.map_or(0, |t| t.as_millis().clamp(1, u32::MAX as u128) as u32)
}

/// A cancel token: pass it to blocking calls, cancel it from any thread.
pub struct CancelToken(*mut sys::aotsb_cancel_t);

// The library documents aotsb_cancel_cancel as callable from any thread.
unsafe impl Send for CancelToken {}
unsafe impl Sync for CancelToken {}

impl CancelToken {
    pub fn new() -> Result<Self> {
        let mut p = ptr::null_mut();
        check(|e| unsafe { sys::aotsb_cancel_new(&mut p, e) })?;
        Ok(CancelToken(p))
    }

    pub fn cancel(&self) -> Result<()> {
        check(|e| unsafe { sys::aotsb_cancel_cancel(self.0, e) })
    }

    pub(crate) fn raw(token: Option<&CancelToken>) -> *mut sys::aotsb_cancel_t {
        token.map_or(ptr::null_mut(), |t| t.0)
    }
}

impl Drop for CancelToken {
    fn drop(&mut self) {
        unsafe { sys::aotsb_cancel_free(self.0) }
    }
}

/// Connection settings; unset credentials come from __OW_API_HOST / __OW_NAMESPACE / __OW_API_KEY.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    pub api_host: Option<String>,
    pub namespace: Option<String>,
    pub api_key: Option<String>,
    pub skip_tls_verify: bool,
    pub trusted_ca_pem: Option<String>,
}

/// An immutable, thread-safe client (credentials + TLS settings).
pub struct Client(*mut sys::aotsb_client_t);

unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Client {
    /// A client configured only from the environment.
    pub fn from_env() -> Result<Self> {
        Self::new(&ClientOptions::default())
    }

    pub fn new(options: &ClientOptions) -> Result<Self> {
        let mut config = ptr::null_mut();
        check(|e| unsafe { sys::aotsb_config_new(&mut config, e) })?;
        let result = (|| {
            for (value, setter) in [
                (
                    &options.api_host,
                    sys::aotsb_config_set_api_host as unsafe extern "C" fn(_, _, _, _) -> _,
                ),
                (&options.namespace, sys::aotsb_config_set_namespace),
                (&options.api_key, sys::aotsb_config_set_api_key),
            ] {
                if let Some(v) = value {
                    check(|e| unsafe { setter(config, v.as_ptr().cast(), v.len(), e) })?;
                }
            }
            check(|e| unsafe {
                sys::aotsb_config_set_skip_tls_verify(config, options.skip_tls_verify as i32, e)
            })?;
            if let Some(pem) = &options.trusted_ca_pem {
                check(|e| unsafe {
                    sys::aotsb_config_add_trusted_ca_pem(config, pem.as_ptr().cast(), pem.len(), e)
                })?;
            }
            let mut client = ptr::null_mut();
            check(|e| unsafe { sys::aotsb_client_new(config, &mut client, e) })?;
            Ok(Client(client))
        })();
        unsafe { sys::aotsb_config_free(config) };
        result
    }

    pub(crate) fn raw(&self) -> *const sys::aotsb_client_t {
        self.0
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        unsafe { sys::aotsb_client_free(self.0) }
    }
}

/// Size tiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Size {
    Small,
    #[default]
    Medium,
    Large,
    XLarge,
}

/// What to create.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    pub name: Option<String>,
    pub size: Size,
    pub idle_timeout: Option<Duration>,
    pub max_lifetime: Option<Duration>,
    pub ports: Vec<u16>,
    pub envs: Vec<(String, String)>,
    /// The policy as its wire JSON, e.g. `{"network":{"egress":"allow-all"}}`.
    pub policy_json: Option<String>,
}
