//! The YAML inventory reader, from raw bytes to graded and rendered outlets.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use outlet::inventory::InputFormat;

fuzz_target!(|data: &[u8]| {
    common::drive(data.to_vec(), InputFormat::Yaml, common::builtin());
});
