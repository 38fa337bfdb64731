#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod plugin;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use notary_core::{KeySpec, RawSignature, SignatureAlgorithm, Signer};
use sha2::Digest as _;

/// Errors of the PKCS#11 signer. Messages name the module, token or key involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The configuration is incomplete or inconsistent.
    #[error("PKCS#11 configuration: {0}")]
    Config(String),
    /// The module could not be loaded or initialised.
    #[error("PKCS#11 module {module}: {reason}")]
    Module {
        /// Module path.
        module: String,
        /// What failed.
        reason: String,
    },
    /// No slot holds a token with this label.
    #[error("no PKCS#11 token labelled {0:?}")]
    TokenNotFound(String),
    /// More than one slot holds a token with this label: which one holds the key is unknown.
    #[error("{count} PKCS#11 tokens are labelled {label:?}; give each token a distinct label")]
    AmbiguousToken {
        /// Token label.
        label: String,
        /// How many tokens carry it.
        count: usize,
    },
    /// Opening a session or logging in failed.
    #[error("PKCS#11 login to token {token:?}: {reason}")]
    Login {
        /// Token label.
        token: String,
        /// What failed.
        reason: String,
    },
    /// No private key (or more than one) matches the label/id.
    #[error("PKCS#11 private key {key}: {reason}")]
    Key {
        /// How the key was asked for.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// The key type or size is not a Notary key spec.
    #[error("PKCS#11 key is not usable for Notary signatures: {0}")]
    UnsupportedKey(String),
    /// The certificate chain is missing, unreadable or does not belong to the key.
    #[error("certificate chain: {0}")]
    Certificate(String),
    /// The token refused to sign or returned a malformed signature.
    #[error("PKCS#11 signing failed: {0}")]
    Sign(String),
}

/// Where the certificate chain comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainSource {
    /// A PEM file with the chain, leaf first.
    PemFile(PathBuf),
    /// Certificate objects on the token: the leaf has the key's id (or label).
    Token,
}

/// How to reach a key.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs11Config {
    /// Path of the PKCS#11 module (e.g. `/usr/lib/softhsm/libsofthsm2.so`).
    pub module: PathBuf,
    /// Token label.
    pub token_label: String,
    /// Private key label (`CKA_LABEL`).
    pub key_label: Option<String>,
    /// Private key id (`CKA_ID`).
    pub key_id: Option<Vec<u8>>,
    /// User PIN (never printed by `Debug`; overwritten with zeros when the config is dropped).
    pub pin: Option<String>,
    /// Certificate chain source.
    pub chain: ChainSource,
}

impl std::fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("key_label", &self.key_label)
            .field("key_id", &self.key_id.as_deref().map(hex_string))
            .field("pin", &self.pin.as_ref().map(|_| "<redacted>"))
            .field("chain", &self.chain)
            .finish()
    }
}

impl Drop for Pkcs11Config {
    /// Overwrites the PIN before its memory is freed (best effort: copies the caller made, the
    /// environment variable it came from, are not reached).
    fn drop(&mut self) {
        if let Some(pin) = self.pin.take() {
            let mut bytes = pin.into_bytes();
            bytes.fill(0);
            // Keeps the zeroing from being optimised away as a dead store.
            std::hint::black_box(&mut bytes);
        }
    }
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    // Digits only: `u8::from_str_radix` alone would also take a sign ("+f").
    if s.is_empty() || !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Pkcs11Config {
    /// Reads a configuration from string settings (plugin config / key config):
    /// `module`, `token` (label), `keyLabel`, `keyId` (hex), `certChain` (PEM path; default: the
    /// token's certificate objects), `pin` or `pinEnv` (the name of an environment variable
    /// holding the PIN; default `NOTARY_PKCS11_PIN`). `key` overrides `keyLabel` when given.
    pub fn from_settings(
        settings: &BTreeMap<String, String>,
        key: Option<&str>,
    ) -> Result<Self, Pkcs11Error> {
        let get = |k: &str| settings.get(k).filter(|v| !v.is_empty()).cloned();
        let module = get("module").ok_or_else(|| {
            Pkcs11Error::Config("\"module\" (path of the PKCS#11 library) is required".into())
        })?;
        let token_label = get("token")
            .ok_or_else(|| Pkcs11Error::Config("\"token\" (token label) is required".into()))?;
        let mut key_label = get("keyLabel");
        let mut key_id = match get("keyId") {
            None => None,
            Some(h) => Some(parse_hex(&h).ok_or_else(|| {
                Pkcs11Error::Config(format!("keyId {h:?} is not an even-length hex string"))
            })?),
        };
        if let Some(k) = key.filter(|k| !k.is_empty()) {
            // A key reference: "id:<hex>" or a label.
            match k.strip_prefix("id:") {
                Some(h) => {
                    key_id = Some(parse_hex(h).ok_or_else(|| {
                        Pkcs11Error::Config(format!(
                            "key id {h:?} is not an even-length hex string"
                        ))
                    })?);
                }
                None => key_label = Some(k.to_string()),
            }
        }
        if key_label.is_none() && key_id.is_none() {
            return Err(Pkcs11Error::Config(
                "a key label or id is required (\"keyLabel\", \"keyId\" or the key id)".into(),
            ));
        }
        let pin = match get("pin") {
            Some(p) => Some(p),
            None => {
                let var = get("pinEnv").unwrap_or_else(|| "NOTARY_PKCS11_PIN".into());
                std::env::var(&var).ok()
            }
        };
        Ok(Self {
            module: PathBuf::from(module),
            token_label,
            key_label,
            key_id,
            pin,
            chain: match get("certChain") {
                Some(p) => ChainSource::PemFile(PathBuf::from(p)),
                None => ChainSource::Token,
            },
        })
    }

    fn key_description(&self) -> String {
        match (&self.key_label, &self.key_id) {
            (Some(l), Some(i)) => format!("label {l:?} id {}", hex_string(i)),
            (Some(l), None) => format!("label {l:?}"),
            (None, Some(i)) => format!("id {}", hex_string(i)),
            (None, None) => "(unspecified)".into(),
        }
    }
}

/// A [`Signer`] whose key lives in a PKCS#11 token.
pub struct Pkcs11Signer {
    // Kept so the module stays loaded for the session's lifetime.
    _context: Pkcs11,
    session: Mutex<Session>,
    key: ObjectHandle,
    spec: KeySpec,
    public_key: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("spec", &self.spec)
            .field("chain", &self.chain.len())
            .finish_non_exhaustive()
    }
}

fn p11(e: impl std::fmt::Display) -> String {
    e.to_string()
}

const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];

/// DER length octets.
fn der_len(n: usize, out: &mut Vec<u8>) {
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

fn der_unsigned_integer(v: &[u8], out: &mut Vec<u8>) {
    let v: &[u8] = {
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        &v[start..]
    };
    let pad = v.first().is_none_or(|b| *b & 0x80 != 0);
    out.push(0x02);
    der_len(v.len() + usize::from(pad), out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(v);
}

/// The DER `RSAPublicKey` for a modulus and exponent (big-endian unsigned).
pub fn rsa_public_key_der(modulus: &[u8], exponent: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    der_unsigned_integer(modulus, &mut body);
    der_unsigned_integer(exponent, &mut body);
    let mut out = vec![0x30];
    der_len(body.len(), &mut out);
    out.extend(body);
    out
}

/// Reads one DER TLV at the start of `b`: (tag, content, rest).
fn der_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = if l0 < 0x80 {
        (l0 as usize, rest)
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The uncompressed point `04||X||Y` from a `CKA_EC_POINT` value, which is a DER OCTET STRING
/// around it (some tokens omit the wrapper). The wrapper is taken off only when what it holds
/// has the curve's point length: a bare point can itself parse as an OCTET STRING (`04`, then
/// a first X byte read as a length).
fn ec_point(value: Vec<u8>, spec: KeySpec) -> Vec<u8> {
    let coordinate = match spec {
        KeySpec::EcP256 => 32,
        KeySpec::EcP384 => 48,
        KeySpec::EcP521 => 66,
        _ => return value,
    };
    let point_len = 2 * coordinate + 1;
    match der_tlv(&value) {
        Some((0x04, inner, [])) if inner.len() == point_len && inner.first() == Some(&0x04) => {
            inner.to_vec()
        }
        _ => value,
    }
}

/// Converts an ECDSA signature to fixed-width `r||s` of `2 * width` bytes: passes raw input of
/// the right length through, and converts a DER `SEQUENCE { r INTEGER, s INTEGER }`.
pub fn ecdsa_to_raw(sig: &[u8], width: usize) -> Option<Vec<u8>> {
    if sig.len() == 2 * width {
        return Some(sig.to_vec());
    }
    let (tag, body, rest) = der_tlv(sig)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (t1, r, body) = der_tlv(body)?;
    let (t2, s, body) = der_tlv(body)?;
    if t1 != 0x02 || t2 != 0x02 || !body.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(2 * width);
    for v in [r, s] {
        let start = v.iter().position(|b| *b != 0).unwrap_or(v.len());
        let v = &v[start..];
        if v.len() > width {
            return None;
        }
        out.extend(std::iter::repeat_n(0u8, width - v.len()));
        out.extend_from_slice(v);
    }
    Some(out)
}

/// An open, logged-in session with the key found.
struct OpenKey {
    ctx: Pkcs11,
    session: Session,
    key: ObjectHandle,
    id: Option<Vec<u8>>,
    spec: KeySpec,
    public_key: Vec<u8>,
}

/// The key spec and subjectPublicKey bits (RSA: DER `RSAPublicKey`; EC: `04||X||Y`) of the
/// configured token key, e.g. to have a certificate issued for it. The chain setting is not
/// used.
pub fn token_public_key(config: &Pkcs11Config) -> Result<(KeySpec, Vec<u8>), Pkcs11Error> {
    let k = open_key(config)?;
    Ok((k.spec, k.public_key))
}

fn open_key(config: &Pkcs11Config) -> Result<OpenKey, Pkcs11Error> {
    let module = config.module.display().to_string();
    let ctx = Pkcs11::new(&config.module).map_err(|e| Pkcs11Error::Module {
        module: module.clone(),
        reason: p11(e),
    })?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) => {}
        Err(cryptoki::error::Error::Pkcs11(
            cryptoki::error::RvError::CryptokiAlreadyInitialized,
            _,
        )) => {}
        Err(e) => {
            return Err(Pkcs11Error::Module {
                module,
                reason: p11(e),
            });
        }
    }
    let token = &config.token_label;
    let slots = ctx
        .get_slots_with_token()
        .map_err(|e| Pkcs11Error::Module {
            module: module.clone(),
            reason: p11(e),
        })?;
    let matching: Vec<_> = slots
        .into_iter()
        .filter(|s| {
            ctx.get_token_info(*s)
                .is_ok_and(|i| i.label().trim_end() == token.as_str())
        })
        .collect();
    let slot = match matching.as_slice() {
        [s] => *s,
        [] => return Err(Pkcs11Error::TokenNotFound(token.clone())),
        _ => {
            return Err(Pkcs11Error::AmbiguousToken {
                label: token.clone(),
                count: matching.len(),
            });
        }
    };
    let login = |reason: String| Pkcs11Error::Login {
        token: token.clone(),
        reason,
    };
    let session = ctx.open_ro_session(slot).map_err(|e| login(p11(e)))?;
    let pin = config
        .pin
        .as_ref()
        .ok_or_else(|| login("no PIN configured (pin / pinEnv)".into()))?;
    match session.login(UserType::User, Some(&AuthPin::from(pin.as_str()))) {
        Ok(()) => {}
        // Login state belongs to the application, not the session: while another signer of
        // this process has a logged-in session on the token, this one is logged in too.
        Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {}
        Err(e) => return Err(login(p11(e))),
    }

    let key_desc = config.key_description();
    let key_err = |reason: String| Pkcs11Error::Key {
        key: key_desc.clone(),
        reason,
    };
    let selector = |class: ObjectClass| {
        let mut t = vec![Attribute::Class(class)];
        if let Some(l) = &config.key_label {
            t.push(Attribute::Label(l.as_bytes().to_vec()));
        }
        if let Some(i) = &config.key_id {
            t.push(Attribute::Id(i.clone()));
        }
        t
    };
    let keys = session
        .find_objects(&selector(ObjectClass::PRIVATE_KEY))
        .map_err(|e| key_err(p11(e)))?;
    let key = match keys.as_slice() {
        [k] => *k,
        [] => return Err(key_err("not found on the token".into())),
        _ => {
            return Err(key_err(format!(
                "{} private keys match; give both label and id",
                keys.len()
            )));
        }
    };
    let attrs = session
        .get_attributes(key, &[AttributeType::KeyType, AttributeType::Id])
        .map_err(|e| key_err(p11(e)))?;
    let mut key_type = None;
    let mut id = None;
    for a in attrs {
        match a {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::Id(i) => id = Some(i),
            _ => {}
        }
    }
    // The public half: the public key object with the same id (else the same label).
    let public_template = {
        let mut t = vec![Attribute::Class(ObjectClass::PUBLIC_KEY)];
        match (&id, &config.key_label) {
            (Some(i), _) if !i.is_empty() => t.push(Attribute::Id(i.clone())),
            (_, Some(l)) => t.push(Attribute::Label(l.as_bytes().to_vec())),
            _ => return Err(key_err("the key has neither id nor label".into())),
        }
        t
    };
    let public = session
        .find_objects(&public_template)
        .map_err(|e| key_err(p11(e)))?
        .into_iter()
        .next();
    let (spec, public_key) = match key_type {
        Some(KeyType::RSA) => {
            let obj = public.unwrap_or(key);
            let attrs = session
                .get_attributes(
                    obj,
                    &[AttributeType::Modulus, AttributeType::PublicExponent],
                )
                .map_err(|e| key_err(p11(e)))?;
            let (mut n, mut e) = (None, None);
            for a in attrs {
                match a {
                    Attribute::Modulus(m) => n = Some(m),
                    Attribute::PublicExponent(x) => e = Some(x),
                    _ => {}
                }
            }
            let (Some(n), Some(e)) = (n, e) else {
                return Err(key_err(
                    "the RSA modulus or exponent is not readable".into(),
                ));
            };
            let len = n.iter().skip_while(|b| **b == 0).count();
            let spec = KeySpec::from_rsa_modulus_len(len)
                .map_err(|e| Pkcs11Error::UnsupportedKey(e.to_string()))?;
            (spec, rsa_public_key_der(&n, &e))
        }
        Some(KeyType::EC) => {
            let public = public.ok_or_else(|| {
                key_err(
                    "no public key object with the same id or label (needed for EC keys)".into(),
                )
            })?;
            let attrs = session
                .get_attributes(public, &[AttributeType::EcParams, AttributeType::EcPoint])
                .map_err(|e| key_err(p11(e)))?;
            let (mut params, mut point) = (None, None);
            for a in attrs {
                match a {
                    Attribute::EcParams(p) => params = Some(p),
                    Attribute::EcPoint(p) => point = Some(p),
                    _ => {}
                }
            }
            let spec = match params.as_deref() {
                Some(OID_P256) => KeySpec::EcP256,
                Some(OID_P384) => KeySpec::EcP384,
                Some(OID_P521) => KeySpec::EcP521,
                _ => {
                    return Err(Pkcs11Error::UnsupportedKey(
                        "EC curve is not P-256, P-384 or P-521".into(),
                    ));
                }
            };
            let point = point.ok_or_else(|| key_err("CKA_EC_POINT is not readable".into()))?;
            (spec, ec_point(point, spec))
        }
        _ => {
            return Err(Pkcs11Error::UnsupportedKey(
                "only RSA and EC keys are supported".into(),
            ));
        }
    };
    Ok(OpenKey {
        ctx,
        session,
        key,
        id,
        spec,
        public_key,
    })
}

impl Pkcs11Signer {
    /// Opens the token, logs in and finds the key and its certificate chain.
    pub fn open(config: &Pkcs11Config) -> Result<Self, Pkcs11Error> {
        let OpenKey {
            ctx,
            session,
            key,
            id,
            spec,
            public_key,
        } = open_key(config)?;
        let key_desc = config.key_description();
        let chain = match &config.chain {
            ChainSource::PemFile(p) => {
                let text = std::fs::read(p)
                    .map_err(|e| Pkcs11Error::Certificate(format!("{}: {e}", p.display())))?;
                let certs = pem::parse_many(&text)
                    .map_err(|e| Pkcs11Error::Certificate(format!("{}: {e}", p.display())))?;
                certs
                    .into_iter()
                    .filter(|c| c.tag() == "CERTIFICATE")
                    .map(|c| c.into_contents())
                    .collect::<Vec<_>>()
            }
            ChainSource::Token => {
                token_chain(&session, id.as_deref(), config.key_label.as_deref())?
            }
        };
        let leaf = chain
            .first()
            .ok_or_else(|| Pkcs11Error::Certificate("no certificate found".into()))?;
        let leaf = notary_x509::Certificate::from_der(leaf)
            .map_err(|e| Pkcs11Error::Certificate(format!("leaf: {e}")))?;
        let leaf_spec = leaf
            .key_spec()
            .map_err(|e| Pkcs11Error::Certificate(format!("leaf key: {e}")))?;
        if leaf_spec != spec || !leaf.spki_der().ends_with(&public_key) {
            return Err(Pkcs11Error::Certificate(format!(
                "the leaf certificate ({}) does not certify the token key {key_desc} ({spec})",
                leaf.subject_string()
            )));
        }
        Ok(Self {
            _context: ctx,
            session: Mutex::new(session),
            key,
            spec,
            public_key,
            chain,
        })
    }

    /// The key's subjectPublicKey bits (RSA: DER `RSAPublicKey`; EC: `04||X||Y`).
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The certificate chain (DER, leaf first).
    pub fn certificate_chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Signs `message` (hashed here) with the token key.
    pub fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, Pkcs11Error> {
        let alg = self.spec.signature_algorithm();
        let (digest, hash_mech, mgf) = match alg.hash_algorithm() {
            notary_core::DigestAlgorithm::Sha256 => (
                sha2::Sha256::digest(message).to_vec(),
                MechanismType::SHA256,
                PkcsMgfType::MGF1_SHA256,
            ),
            notary_core::DigestAlgorithm::Sha384 => (
                sha2::Sha384::digest(message).to_vec(),
                MechanismType::SHA384,
                PkcsMgfType::MGF1_SHA384,
            ),
            _ => (
                sha2::Sha512::digest(message).to_vec(),
                MechanismType::SHA512,
                PkcsMgfType::MGF1_SHA512,
            ),
        };
        let mechanism = if self.spec.is_rsa() {
            Mechanism::RsaPkcsPss(PkcsPssParams {
                hash_alg: hash_mech,
                mgf,
                s_len: (digest.len() as u64).into(),
            })
        } else {
            Mechanism::Ecdsa
        };
        let session = self
            .session
            .lock()
            .map_err(|_| Pkcs11Error::Sign("session lock poisoned".into()))?;
        let sig = session
            .sign(&mechanism, self.key, &digest)
            .map_err(|e| Pkcs11Error::Sign(p11(e)))?;
        match alg {
            SignatureAlgorithm::EcdsaSha256
            | SignatureAlgorithm::EcdsaSha384
            | SignatureAlgorithm::EcdsaSha512 => {
                let width = alg.ecdsa_signature_len().unwrap_or(0) / 2;
                ecdsa_to_raw(&sig, width).ok_or_else(|| {
                    Pkcs11Error::Sign(format!(
                        "the token returned a malformed {}-byte ECDSA signature",
                        sig.len()
                    ))
                })
            }
            _ if sig.is_empty() => Err(Pkcs11Error::Sign("empty signature".into())),
            _ => Ok(sig),
        }
    }
}

/// The chain from certificate objects: the leaf by id (else label), then issuers by subject.
fn token_chain(
    session: &Session,
    id: Option<&[u8]>,
    label: Option<&str>,
) -> Result<Vec<Vec<u8>>, Pkcs11Error> {
    let cert_err = |e: cryptoki::error::Error| Pkcs11Error::Certificate(p11(e));
    let value = |h: ObjectHandle| -> Result<Option<Vec<u8>>, Pkcs11Error> {
        Ok(session
            .get_attributes(h, &[AttributeType::Value])
            .map_err(cert_err)?
            .into_iter()
            .find_map(|a| match a {
                Attribute::Value(v) => Some(v),
                _ => None,
            }))
    };
    let mut t = vec![Attribute::Class(ObjectClass::CERTIFICATE)];
    match (id, label) {
        (Some(i), _) if !i.is_empty() => t.push(Attribute::Id(i.to_vec())),
        (_, Some(l)) => t.push(Attribute::Label(l.as_bytes().to_vec())),
        _ => {
            return Err(Pkcs11Error::Certificate(
                "the key has neither id nor label".into(),
            ));
        }
    }
    let leaf = session
        .find_objects(&t)
        .map_err(cert_err)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Pkcs11Error::Certificate(
                "no certificate object with the key's id or label on the token (configure certChain)"
                    .into(),
            )
        })?;
    let mut chain = vec![
        value(leaf)?
            .ok_or_else(|| Pkcs11Error::Certificate("certificate object has no value".into()))?,
    ];
    for _ in 0..8 {
        let Some(last) = chain.last() else { break };
        let cert = notary_x509::Certificate::from_der(last)
            .map_err(|e| Pkcs11Error::Certificate(e.to_string()))?;
        if cert.is_self_issued() {
            break;
        }
        let issuers = session
            .find_objects(&[
                Attribute::Class(ObjectClass::CERTIFICATE),
                Attribute::Subject(cert.issuer_raw().to_vec()),
            ])
            .map_err(cert_err)?;
        let Some(issuer) = issuers.into_iter().next() else {
            break;
        };
        match value(issuer)? {
            Some(v) if !chain.contains(&v) => chain.push(v),
            _ => break,
        }
    }
    Ok(chain)
}

impl Signer for Pkcs11Signer {
    fn key_spec(&self) -> Result<KeySpec, notary_core::Error> {
        Ok(self.spec)
    }

    fn sign(&self, signing_input: &[u8]) -> Result<RawSignature, notary_core::Error> {
        let signature =
            self.sign_message(signing_input)
                .map_err(|e| notary_core::Error::SigningFailed {
                    reason: e.to_string(),
                })?;
        Ok(RawSignature {
            signature,
            certificate_chain: self.chain.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_der_is_converted_to_fixed_width() {
        // r = 0x00ff.. (needs a leading zero in DER), s = 0x01.
        let mut r = vec![0u8; 1];
        r.extend([0xff; 32]);
        let mut der = vec![0x30, 0x26, 0x02, 0x21];
        der.extend(&r);
        der.extend([0x02, 0x01, 0x01]);
        let raw = ecdsa_to_raw(&der, 32).unwrap();
        assert_eq!(raw.len(), 64);
        assert_eq!(&raw[..32], &[0xff; 32]);
        assert_eq!(raw[63], 1);
        assert!(raw[32..63].iter().all(|b| *b == 0));
        assert_eq!(ecdsa_to_raw(&raw, 32).unwrap(), raw);
        assert!(ecdsa_to_raw(&[0x30, 0x00], 32).is_none());
        assert!(ecdsa_to_raw(&[1, 2, 3], 32).is_none());
    }

    #[test]
    fn hex_key_ids_take_digits_only() {
        assert_eq!(parse_hex("0aFf"), Some(vec![0x0a, 0xff]));
        // `from_str_radix` alone accepts a sign.
        for bad in ["+a+b", "+f", "-1", "0x", " 1", "1 ", "zz", "", "abc", "éé"] {
            assert_eq!(parse_hex(bad), None, "{bad:?}");
        }
        let settings = BTreeMap::from([
            ("module".to_string(), "m".to_string()),
            ("token".to_string(), "t".to_string()),
        ]);
        assert!(matches!(
            Pkcs11Config::from_settings(&settings, Some("id:+1+2")),
            Err(Pkcs11Error::Config(_))
        ));
    }

    #[test]
    fn ec_points_are_unwrapped_only_at_the_curve_length() {
        let mut bare = vec![0x04u8; 65];
        // X starts 3f 04: the bare point also reads as OCTET STRING(63 bytes starting 04).
        bare[1] = 0x3f;
        assert_eq!(ec_point(bare.clone(), KeySpec::EcP256), bare);
        let mut wrapped = vec![0x04, 0x41];
        wrapped.extend(&bare);
        assert_eq!(ec_point(wrapped, KeySpec::EcP256), bare);
        // P-521: 133-byte point, long-form length.
        let mut bare521 = vec![0x04u8; 133];
        bare521[1] = 0x01;
        let mut wrapped521 = vec![0x04, 0x81, 0x85];
        wrapped521.extend(&bare521);
        assert_eq!(ec_point(wrapped521, KeySpec::EcP521), bare521);
        // A wrapper around a point of another curve's length is left alone.
        let mut wrong = vec![0x04, 0x41];
        wrong.extend(&bare);
        assert_eq!(ec_point(wrong.clone(), KeySpec::EcP384), wrong);
    }

    #[test]
    fn rsa_public_key_encoding() {
        assert_eq!(
            rsa_public_key_der(&[0x80, 0x01], &[0x01, 0x00, 0x01]),
            [
                0x30, 0x0a, 0x02, 0x03, 0x00, 0x80, 0x01, 0x02, 0x03, 0x01, 0x00, 0x01
            ]
        );
    }

    #[test]
    fn settings_are_validated() {
        let s = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        assert!(matches!(
            Pkcs11Config::from_settings(&s(&[("token", "t")]), Some("k")),
            Err(Pkcs11Error::Config(m)) if m.contains("module")
        ));
        assert!(Pkcs11Config::from_settings(&s(&[("module", "m"), ("token", "t")]), None).is_err());
        let c = Pkcs11Config::from_settings(
            &s(&[
                ("module", "m"),
                ("token", "t"),
                ("pin", "1234"),
                ("certChain", "c.pem"),
            ]),
            Some("id:0a0B"),
        )
        .unwrap();
        assert_eq!(c.key_id, Some(vec![0x0a, 0x0b]));
        assert_eq!(c.chain, ChainSource::PemFile("c.pem".into()));
        assert!(!format!("{c:?}").contains("1234"));
        assert!(
            Pkcs11Config::from_settings(&s(&[("module", "m"), ("token", "t")]), Some("id:abc"))
                .is_err()
        );
    }
}
