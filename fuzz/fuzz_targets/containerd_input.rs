#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    notary_fuzz_targets::containerd_input(data);
});
