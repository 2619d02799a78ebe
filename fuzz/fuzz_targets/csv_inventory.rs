//! The CSV inventory reader, from raw bytes to graded and rendered outlets.
//!
//! The first byte picks the mode: odd, the canonical header is put before the rest so that the
//! fuzzer explores rows; even, the rest is the whole file (headers, encodings, BOMs, delimiters).

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use outlet::inventory::InputFormat;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 1 {
        let mut b = common::HEADER.as_bytes().to_vec();
        b.extend_from_slice(rest);
        b
    } else {
        rest.to_vec()
    };
    common::drive(bytes, InputFormat::Csv, common::builtin());
});
