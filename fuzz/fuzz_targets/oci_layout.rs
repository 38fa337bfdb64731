#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    notary::fuzz_targets::oci_layout(data);
});
