//! `notation-pkcs11`: notation plugin signing with keys in a PKCS#11 token. Install it as
//! `<plugins>/pkcs11/notation-pkcs11` (`notary plugin install --file notation-pkcs11`).
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    notary_plugin::run(&notary_pkcs11::plugin::Pkcs11Plugin)
}
