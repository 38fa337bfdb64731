#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    notary_fuzz_targets::plugin_request(data);
});
