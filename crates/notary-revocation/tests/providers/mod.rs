//! The crypto providers the revocation tests run under.

/// Expands the enclosed items once per crypto provider (`mod aws_lc_rs`, `mod rustcrypto`),
/// each with `provider()` and `x509()`.
macro_rules! for_each_provider {
    ($($items:tt)*) => {
        mod aws_lc_rs {
            use super::*;
            fn provider() -> notary_core::crypto::CryptoProvider {
                notary_provider_aws_lc_rs::provider()
            }
            fn x509() -> notary_x509::X509Verifier {
                notary_x509::X509Verifier::new(provider())
            }
            $($items)*
        }
        mod rustcrypto {
            use super::*;
            fn provider() -> notary_core::crypto::CryptoProvider {
                notary_provider_rustcrypto::provider()
            }
            fn x509() -> notary_x509::X509Verifier {
                notary_x509::X509Verifier::new(provider())
            }
            $($items)*
        }
    };
}
