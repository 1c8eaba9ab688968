//! Finds the prebuilt libaotsandbox.so: $AOTSANDBOX_LIB_DIR, else the repository's publish folder
//! (artifacts/native/lib). A Native AOT library cannot be built from source here, so there is no "bundled" feature.
use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=AOTSANDBOX_LIB_DIR");
    let dir = match env::var_os("AOTSANDBOX_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../artifacts/native/lib"),
    };
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=aotsandbox");
    // Programs and tests find the .so without LD_LIBRARY_PATH.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    println!("cargo:lib_dir={}", dir.display());
}
