#![no_main]
//! See `crates/downhill-web/tests/support/request_check.rs` for the property.

#[path = "../../crates/downhill-web/tests/support/request_check.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = check::check(data) {
        panic!("{e}");
    }
});
