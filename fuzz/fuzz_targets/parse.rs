#![no_main]
//! See `crates/downhill/tests/support/fuzz_checks.rs` for the property.

#[path = "../../crates/downhill/tests/support/fuzz_checks.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = check::parse(&check::text(data)) {
        panic!("{e}");
    }
});
