//! Finds the prebuilt libaotsandbox.so, in this order: $AOTSANDBOX_LIB_DIR; an installed library that `pkg-config`
//! knows (native/install.sh writes aotsandbox.pc; PKG_CONFIG_PATH reaches a non-system prefix); the repository's
//! publish folder (artifacts/native/lib). A Native AOT library cannot be built from source here, so there is no
//! "bundled" feature. std only: the pkg-config binary is run directly rather than through a crate.
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=AOTSANDBOX_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let (dir, origin) = if let Some(dir) = env::var_os("AOTSANDBOX_LIB_DIR") {
        (PathBuf::from(dir), "AOTSANDBOX_LIB_DIR")
    } else if let Some(dir) = pkg_config_libdir() {
        (dir, "pkg-config")
    } else {
        (PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../artifacts/native/lib"), "the repository's artifacts")
    };
    println!("cargo:warning=aotsandbox-sys: libaotsandbox from {} ({})", origin, dir.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=aotsandbox");
    // This crate's own tests find the .so without LD_LIBRARY_PATH (link args do not reach dependent crates).
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    println!("cargo:lib_dir={}", dir.display());
}

/// The `libdir` of aotsandbox.pc, when pkg-config is installed and knows the package; None otherwise.
fn pkg_config_libdir() -> Option<PathBuf> {
    let output = Command::new("pkg-config").args(["--variable=libdir", "aotsandbox"]).output().ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = dir.trim();
    (output.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}
