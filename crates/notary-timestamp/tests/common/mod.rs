//! What the timestamp tests share.

/// Expands the enclosed tests once per crypto provider (`mod aws_lc_rs`, `mod rustcrypto`),
/// each with `provider()`.
macro_rules! for_each_provider {
    ($($items:tt)*) => {
        mod aws_lc_rs {
            use super::*;
            fn provider() -> notary_core::crypto::CryptoProvider {
                notary_provider_aws_lc_rs::provider()
            }
            $($items)*
        }
        mod rustcrypto {
            use super::*;
            fn provider() -> notary_core::crypto::CryptoProvider {
                notary_provider_rustcrypto::provider()
            }
            $($items)*
        }
    };
}
