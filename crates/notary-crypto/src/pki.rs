//! Test certificate chains for tests and benchmarks: root → intermediates → leaf, any key
//! specs, valid Notary code-signing (or timestamping) chains by default.
//!
//! Keys come from checked-in fixtures (`testdata/keys`), so building a chain is fast even for
//! RSA-4096 in debug builds. These keys are public: never use them outside tests.
//!
//! ```
//! use notary_core::{KeySpec, Signer};
//! let now = time::macros::datetime!(2026-01-01 0:00 UTC);
//! let chain = notary_crypto::pki::ChainBuilder::new(KeySpec::EcP384, now).intermediates(1).build()?;
//! assert_eq!(chain.certificates.len(), 3);
//! let signer = chain.signer()?;
//! assert_eq!(signer.key_spec()?, KeySpec::EcP384);
//! # Ok::<(), notary_core::Error>(())
//! ```

use notary_core::{Error, KeySpec};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};

use crate::keys::LocalSigner;
use crate::testcert::{random_serial, rcgen_err};

macro_rules! fixtures {
    ($($name:literal),*) => {
        &[$(($name, include_str!(concat!("../testdata/keys/", $name, ".pk8.pem")))),*]
    };
}

const FIXTURES: &[(&str, &str)] = fixtures!(
    "rsa-2048-a",
    "rsa-2048-b",
    "rsa-2048-c",
    "rsa-3072-a",
    "rsa-3072-b",
    "rsa-3072-c",
    "rsa-4096-a",
    "rsa-4096-b",
    "rsa-4096-c",
    "ec-256-a",
    "ec-256-b",
    "ec-256-c",
    "ec-384-a",
    "ec-384-b",
    "ec-384-c",
    "ec-521-a",
    "ec-521-b",
    "ec-521-c"
);

/// A fixture private key of `spec` (PKCS#8 DER); `variant` 0, 1 or 2 picks one of three keys.
pub fn fixture_key(spec: KeySpec, variant: usize) -> Vec<u8> {
    let prefix = match spec {
        KeySpec::Rsa2048 => "rsa-2048",
        KeySpec::Rsa3072 => "rsa-3072",
        KeySpec::Rsa4096 => "rsa-4096",
        KeySpec::EcP256 => "ec-256",
        KeySpec::EcP384 => "ec-384",
        _ => "ec-521",
    };
    let name = format!(
        "{prefix}-{}",
        match variant % 3 {
            0 => "a",
            1 => "b",
            _ => "c",
        }
    );
    FIXTURES
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, pem_text)| pem::parse(pem_text).ok())
        .map(|p| p.contents().to_vec())
        .unwrap_or_default()
}

/// What the leaf certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeafPurpose {
    /// Code signing: KU digitalSignature (critical), EKU codeSigning.
    CodeSigning,
    /// Timestamping: KU digitalSignature (critical), EKU timeStamping (critical).
    Timestamping,
}

/// A built chain.
#[derive(Clone)]
pub struct TestChain {
    /// The leaf private key, PKCS#8 DER.
    pub leaf_key_pkcs8: Vec<u8>,
    /// The certificates, DER, leaf first, root last.
    pub certificates: Vec<Vec<u8>>,
}

impl std::fmt::Debug for TestChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestChain")
            .field("certificates", &self.certificates.len())
            .finish_non_exhaustive()
    }
}

impl TestChain {
    /// A signer with the leaf key and this chain.
    pub fn signer(&self) -> Result<LocalSigner, Error> {
        LocalSigner::from_pkcs8_der(&self.leaf_key_pkcs8, self.certificates.clone())
    }

    /// The root certificate (DER).
    pub fn root(&self) -> &[u8] {
        self.certificates
            .last()
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The chain as concatenated PEM, leaf first.
    pub fn pem(&self) -> String {
        self.certificates
            .iter()
            .map(|c| pem::encode(&pem::Pem::new("CERTIFICATE", c.clone())))
            .collect()
    }
}

/// Builds a chain. Defaults: CA keys of the leaf's spec, one intermediate, valid for a year
/// from `now` minus one hour, code-signing leaf `CN=Notary Test Leaf,O=Notary,L=Seattle,ST=WA,C=US`.
#[derive(Debug, Clone)]
pub struct ChainBuilder {
    leaf_spec: KeySpec,
    ca_spec: KeySpec,
    intermediates: usize,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    purpose: LeafPurpose,
    leaf_cn: String,
    leaf_ekus: Option<Vec<ExtendedKeyUsagePurpose>>,
    ca_bc_critical: bool,
}

fn dn(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "US");
    dn.push(DnType::StateOrProvinceName, "WA");
    dn.push(DnType::LocalityName, "Seattle");
    dn.push(DnType::OrganizationName, "Notary");
    dn.push(DnType::CommonName, cn);
    dn
}

impl ChainBuilder {
    /// A builder for a leaf of `leaf_spec`.
    pub fn new(leaf_spec: KeySpec, now: OffsetDateTime) -> Self {
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Self {
            leaf_spec,
            ca_spec: leaf_spec,
            intermediates: 1,
            not_before: now.saturating_sub(Duration::hours(1)),
            not_after: now.saturating_add(Duration::days(365)),
            purpose: LeafPurpose::CodeSigning,
            leaf_cn: "Notary Test Leaf".into(),
            leaf_ekus: None,
            ca_bc_critical: true,
        }
    }

    /// Key spec of the root and intermediates.
    pub fn ca_spec(mut self, spec: KeySpec) -> Self {
        self.ca_spec = spec;
        self
    }

    /// Number of intermediates (0 to 4).
    pub fn intermediates(mut self, n: usize) -> Self {
        self.intermediates = n.min(4);
        self
    }

    /// Validity window of every certificate.
    pub fn validity(mut self, not_before: OffsetDateTime, not_after: OffsetDateTime) -> Self {
        self.not_before = not_before;
        self.not_after = not_after;
        self
    }

    /// Leaf purpose.
    pub fn purpose(mut self, purpose: LeafPurpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// Leaf common name.
    pub fn leaf_common_name(mut self, cn: &str) -> Self {
        self.leaf_cn = cn.to_string();
        self
    }

    /// Overrides the leaf's extended key usages (e.g. to break the rules on purpose).
    pub fn leaf_extended_key_usages(mut self, ekus: Vec<ExtendedKeyUsagePurpose>) -> Self {
        self.leaf_ekus = Some(ekus);
        self
    }

    /// Whether the root's and intermediates' basicConstraints are critical (the default; pass
    /// `false` to break the Notary CA rule on purpose).
    pub fn ca_basic_constraints_critical(mut self, critical: bool) -> Self {
        self.ca_bc_critical = critical;
        self
    }

    /// Marks `p` as a CA, with basicConstraints critical or not as configured.
    fn make_ca(&self, p: &mut CertificateParams) {
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        if self.ca_bc_critical {
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        } else {
            // rcgen always writes basicConstraints critical, so write it by hand:
            // SEQUENCE { cA BOOLEAN TRUE }.
            p.is_ca = IsCa::NoCa;
            p.custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    &[2, 5, 29, 19],
                    vec![0x30, 0x03, 0x01, 0x01, 0xff],
                ));
        }
    }

    fn params(&self, cn: &str) -> Result<CertificateParams, Error> {
        let mut p = CertificateParams::default();
        p.distinguished_name = dn(cn);
        p.not_before = self.not_before;
        p.not_after = self.not_after;
        p.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
        Ok(p)
    }

    /// Builds the chain.
    pub fn build(&self) -> Result<TestChain, Error> {
        let (key, certificates) = self.build_inner(None)?;
        Ok(TestChain {
            leaf_key_pkcs8: key,
            certificates,
        })
    }

    /// Builds a chain (DER, leaf first) whose leaf certifies an externally held key, e.g. one
    /// generated inside an HSM. `public_key` is the subjectPublicKey content: for RSA the DER
    /// `RSAPublicKey`, for EC the uncompressed point `04||X||Y`. The leaf spec says which.
    pub fn build_for_public_key(&self, public_key: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
        Ok(self.build_inner(Some(public_key))?.1)
    }

    fn build_inner(&self, external: Option<&[u8]>) -> Result<(Vec<u8>, Vec<Vec<u8>>), Error> {
        let key = |spec: KeySpec, v: usize| -> Result<rcgen::KeyPair, Error> {
            rcgen::KeyPair::try_from(fixture_key(spec, v).as_slice()).map_err(rcgen_err)
        };
        let mut ca_params = self.params("Notary Test Root")?;
        self.make_ca(&mut ca_params);
        let root_key = key(self.ca_spec, 0)?;
        let root = ca_params.self_signed(&root_key).map_err(rcgen_err)?;
        let issuer_params_root = ca_params;

        let mut certs = vec![root.der().to_vec()];
        let mut issuer = rcgen::Issuer::new(issuer_params_root, root_key);
        for i in 0..self.intermediates {
            let mut p =
                self.params(&format!("Notary Test Intermediate {}", i.saturating_add(1)))?;
            self.make_ca(&mut p);
            let k = key(self.ca_spec, 1)?;
            let c = p.signed_by(&k, &issuer).map_err(rcgen_err)?;
            certs.push(c.der().to_vec());
            issuer = rcgen::Issuer::new(p, k);
        }
        let mut p = self.params(&self.leaf_cn)?;
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        match (&self.leaf_ekus, self.purpose) {
            (Some(ekus), _) => p.extended_key_usages = ekus.clone(),
            (None, LeafPurpose::CodeSigning) => {
                p.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning]
            }
            (None, LeafPurpose::Timestamping) => {
                // RFC 3161 requires the EKU extension to be critical; rcgen writes it
                // non-critical, so it is written by hand.
                p.custom_extensions.push({
                    let mut e = rcgen::CustomExtension::from_oid_content(
                        &[2, 5, 29, 37],
                        vec![
                            0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
                        ],
                    );
                    e.set_criticality(true);
                    e
                });
            }
        }
        let leaf_variant = if self.leaf_spec == self.ca_spec { 2 } else { 0 };
        let leaf_key_der = fixture_key(self.leaf_spec, leaf_variant);
        let leaf_key = key(self.leaf_spec, leaf_variant)?;
        let leaf = match external {
            None => p.signed_by(&leaf_key, &issuer).map_err(rcgen_err)?,
            Some(bits) => {
                let public = ExternalPublicKey {
                    bits,
                    alg: match self.leaf_spec {
                        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
                            &rcgen::PKCS_RSA_SHA256
                        }
                        KeySpec::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
                        KeySpec::EcP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
                        _ => &rcgen::PKCS_ECDSA_P521_SHA512,
                    },
                };
                p.signed_by(&public, &issuer).map_err(rcgen_err)?
            }
        };
        certs.push(leaf.der().to_vec());
        certs.reverse();
        Ok((leaf_key_der, certs))
    }
}

/// A public key given as raw subjectPublicKey bits (rcgen writes the SPKI around them).
struct ExternalPublicKey<'a> {
    bits: &'a [u8],
    alg: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for ExternalPublicKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.bits
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.alg
    }
}
