#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| entitle_fuzzing::keys(data));
