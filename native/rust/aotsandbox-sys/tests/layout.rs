//! The structs are hand-declared, so their layout is pinned here against the header's documented ABI
//! (aotsb_exit_t: 12 bytes; aotsb_file_entry_t: 48 bytes on LP64, no implicit padding), plus a live call.
use aotsandbox_sys::*;
use std::mem::{align_of, offset_of, size_of};

#[test]
fn exit_layout() {
    assert_eq!(size_of::<aotsb_exit_t>(), 12);
    assert_eq!(align_of::<aotsb_exit_t>(), 4);
    assert_eq!(offset_of!(aotsb_exit_t, exit_code), 0);
    assert_eq!(offset_of!(aotsb_exit_t, has_exit_code), 4);
    assert_eq!(offset_of!(aotsb_exit_t, destroyed), 8);
}

#[test]
fn file_entry_layout() {
    assert_eq!(size_of::<aotsb_file_entry_t>(), 48);
    assert_eq!(align_of::<aotsb_file_entry_t>(), 8);
    assert_eq!(offset_of!(aotsb_file_entry_t, name), 0);
    assert_eq!(offset_of!(aotsb_file_entry_t, name_len), 8);
    assert_eq!(offset_of!(aotsb_file_entry_t, type_), 16);
    assert_eq!(offset_of!(aotsb_file_entry_t, type_len), 24);
    assert_eq!(offset_of!(aotsb_file_entry_t, size), 32);
    assert_eq!(offset_of!(aotsb_file_entry_t, is_directory), 40);
    assert_eq!(offset_of!(aotsb_file_entry_t, has_size), 44);
}

#[test]
fn links_and_matches_abi() {
    assert_eq!(unsafe { aotsb_abi_version() }, AOTSB_ABI_VERSION);
    let name = unsafe { std::ffi::CStr::from_ptr(aotsb_status_string(AOTSB_ERR_TIMEOUT)) };
    assert_eq!(name.to_str().unwrap(), "AOTSB_ERR_TIMEOUT");
}
