//! `notary cert`: trust store certificates and test certificates.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use notary::truststore::{TrustStoreType, is_valid_name, read_certificate_file};
use notary_core::KeySpec;

use notary::config::KeyEntry;

use crate::config;
use crate::{CmdResult, Failure};

#[derive(Subcommand)]
// Built when used: a run parses one subcommand, not the whole tree.
#[command(defer = true)]
pub enum CertCommand {
    /// Add certificates to a trust store
    Add {
        /// Trust store type: ca, signingAuthority or tsa
        #[arg(short = 't', long = "type")]
        store_type: String,
        /// Trust store name
        #[arg(short = 's', long = "store")]
        store: String,
        /// Certificate files (PEM or DER)
        // (An empty path is read as notation reads it: the working directory.)
        #[arg(required = true, value_parser = clap::builder::TypedValueParser::map(clap::builder::OsStringValueParser::new(), PathBuf::from))]
        paths: Vec<PathBuf>,
    },
    /// List certificates in trust stores
    #[command(alias = "ls")]
    List {
        /// Only this trust store type
        #[arg(short = 't', long = "type")]
        store_type: Option<String>,
        /// Only this trust store name
        #[arg(short = 's', long = "store")]
        store: Option<String>,
    },
    /// Show certificate details
    Show {
        /// Trust store type
        #[arg(short = 't', long = "type")]
        store_type: String,
        /// Trust store name
        #[arg(short = 's', long = "store")]
        store: String,
        /// Certificate file name in the store
        file: String,
    },
    /// Delete certificates from a trust store
    #[command(alias = "rm")]
    Delete {
        /// Trust store type
        #[arg(short = 't', long = "type")]
        store_type: String,
        /// Trust store name
        #[arg(short = 's', long = "store")]
        store: String,
        /// Delete every certificate of the store
        #[arg(short = 'a', long = "all")]
        all: bool,
        /// Do not prompt for confirmation
        #[arg(short = 'y', long = "yes")]
        yes: bool,
        /// Certificate file name (unless --all)
        file: Option<String>,
    },
    /// Generate a test key and a self-signed certificate, add it as a signing key and to the trust store ca/NAME
    GenerateTest {
        /// Common name of the certificate (also the key and store name)
        name: String,
        /// Make it the default signing key
        #[arg(long)]
        default: bool,
        /// Key size: RSA 2048, 3072 or 4096 (as notation); 256, 384 or 521 give an EC key on
        /// that NIST curve (notation generates RSA only)
        #[arg(short = 'b', long = "bits", default_value_t = 2048, value_parser = crate::go_int, allow_hyphen_values = true)]
        bits: i64,
        /// Key spec by name (RSA-2048 ... EC-521); an alternative to --bits
        #[arg(long = "key-spec", hide = true, conflicts_with = "bits")]
        key_spec: Option<String>,
    },
    /// Clean up a test key and its self-signed certificate created by generate-test: the key
    /// and certificate files, the certificate in the trust store ca/NAME, and the key list entry
    #[command(name = "cleanup-test")]
    CleanupTest {
        /// Do not prompt for confirmation
        #[arg(short = 'y', long = "yes")]
        yes: bool,
        /// Common name given to generate-test
        name: String,
    },
}

fn store_type(s: &str) -> Result<TrustStoreType, Failure> {
    if s.is_empty() {
        return Err(Failure::msg("store type cannot be empty"));
    }
    s.parse()
        .map_err(|_| Failure::msg(format!("unsupported store type: {s}")))
}

fn store_dir(t: TrustStoreType, name: &str) -> Result<PathBuf, Failure> {
    if !is_valid_name(name) {
        return Err(Failure::msg(
            "named store name needs to follow [a-zA-Z0-9_.-]+ format",
        ));
    }
    Ok(config::config_dir()?
        .join("truststore")
        .join("x509")
        .join(t.as_str())
        .join(name))
}

/// A certificate file named on the command line for `show` or `delete`: a name in the store,
/// never a path that could lead out of it. `empty` is notation's words for an empty name.
fn store_file_name<'a>(f: &'a str, empty: &str) -> Result<&'a str, Failure> {
    if f.is_empty() {
        return Err(Failure::msg(empty));
    }
    if f == "." || f == ".." || f.contains('/') || f.contains(std::path::MAIN_SEPARATOR) {
        return Err(Failure::msg(format!(
            "invalid certificate file name {f:?}: give the name of a file in the trust store"
        )));
    }
    Ok(f)
}

/// Whether `p` is a regular file or a directory itself (a symbolic link is neither: the trust
/// store reader refuses links, so listing them would show what is never used).
fn is_real(p: &Path, dir: bool) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| if dir { m.is_dir() } else { m.is_file() })
}

/// Largest certificate file `cert add` reads (as the trust store reader: roots, not archives).
const MAX_CERT_FILE: u64 = 16 * 1024 * 1024;

/// Reads a certificate file given on the command line, as notation reads it: the path made
/// absolute first (an empty one is the working directory). Unlike a file inside the trust store,
/// a symlink is followed, as notation does (`/etc/ssl/certs/*.pem` are links on Debian and
/// Ubuntu); the target must still be a regular file of bounded size.
fn read_source(src: &Path) -> Result<Vec<u8>, Failure> {
    let src = if src.as_os_str().is_empty() {
        Path::new(".")
    } else {
        src
    };
    crate::config::read_input(&go_abs(src), MAX_CERT_FILE)
}

/// Go's words (notation reads certificate files with Go's `x509` package) for a file whose
/// certificates do not parse; notary's own limits keep their words.
fn go_parse_error(e: &notary_x509::Error) -> String {
    match e {
        notary_x509::Error::NoCertificates => "no valid certificate found in the file".into(),
        notary_x509::Error::Parse { reason } if !reason.starts_with("more than") => {
            "x509: malformed certificate".into()
        }
        e => e.to_string(),
    }
}

/// Reads the certificates of a file in a trust store for `cert show` and `cert list`: the
/// trust store reader's rules (a regular file, bounded), failures in notation's words (Go's
/// `open` and `read` errors, Go's `x509` words for what does not parse).
fn read_stored(path: &Path) -> Result<Vec<notary_x509::Certificate>, String> {
    crate::config::stat_as_go_reads(path)?;
    read_certificate_file(path).map_err(|(kind, reason)| {
        if let notary::truststore::TrustStoreErrorKind::Parse = kind {
            // The file was read whole just now (bounded); read again for the typed error.
            if let Err(e) = fs::read(path)
                .map_err(|e| notary_x509::Error::Parse {
                    reason: e.to_string(),
                })
                .and_then(|b| notary_x509::read_certificates(&b))
            {
                return go_parse_error(&e);
            }
        }
        reason
    })
}

/// Checks that `data` holds certificates acceptable for a store of type `t`.
fn check_certificates(t: TrustStoreType, data: &[u8], src: &Path) -> Result<(), Failure> {
    let fail =
        |e: &dyn std::fmt::Display| Failure::msg(format!("failed to add {}: {e}", src.display()));
    let x509 = notary_x509::X509Verifier::new(crate::provider());
    for c in notary_x509::read_certificates(data).map_err(|e| Failure::msg(go_parse_error(&e)))? {
        x509.check_trust_store_certificate(&c, t)
            .map_err(|e| fail(&e))?;
    }
    Ok(())
}

/// notation's words for a trust store file name that is taken.
const TAKEN: &str = "certificate already exists in the Trust Store";

/// Where file `name` of store `t:store` lives; an error naming it if it already exists (a
/// dangling symlink counts: writing there would follow it).
fn new_store_file(t: TrustStoreType, store: &str, name: &OsStr) -> Result<PathBuf, Failure> {
    let dst = store_dir(t, store)?.join(name);
    if fs::symlink_metadata(&dst).is_ok() {
        return Err(Failure::msg(format!("{TAKEN}: {}", dst.display())));
    }
    Ok(dst)
}

/// Copies the certificates of `src` (a regular file, or a link to one) into the store after
/// checking them; an existing file of the same name is never replaced.
pub fn add_to_store(t: TrustStoreType, store: &str, src: &Path) -> Result<PathBuf, Failure> {
    // Read first, as notation does: an empty path reads the working directory.
    let data = read_source(src)?;
    check_certificates(t, &data, src)?;
    let name = src
        .file_name()
        .ok_or_else(|| Failure::msg(format!("{}: no file name", src.display())))?;
    // Reported in notation's words alone: `cert add` quotes each file's error.
    let dst = new_store_file(t, store, name).map_err(|Failure(m)| {
        if m.starts_with(TAKEN) {
            Failure::msg(TAKEN)
        } else {
            Failure(m)
        }
    })?;
    // Written as a regular file holding the content: the store never refers to the source.
    config::write_private_new(&dst, &data)?;
    Ok(dst)
}

pub fn run(c: CertCommand) -> CmdResult {
    match c {
        CertCommand::Add {
            store_type: t,
            store,
            paths,
        } => {
            let t = store_type(&t)?;
            store_dir(t, &store)?;
            // Every file is tried, as notation does: the good ones are added and listed, then
            // the others are reported together.
            let (mut added, mut failed) = (Vec::new(), String::new());
            for p in paths {
                match add_to_store(t, &store, &p) {
                    Ok(_) => added.push(p),
                    Err(Failure(e)) => failed.push_str(&format!(
                        "{}, with error {:?}\n",
                        p.display(),
                        crate::go_style_os_errors(&e)
                    )),
                }
            }
            if !added.is_empty() {
                println!(
                    "Successfully added following certificates to named store {store} of type {}:",
                    t.as_str()
                );
                for p in &added {
                    println!("{}", p.display());
                }
            }
            if !failed.is_empty() {
                return Err(Failure::msg(format!(
                    "Failed to add following certificates to named store {store} of type {}:\n{failed}",
                    t.as_str()
                )));
            }
            Ok(())
        }
        CertCommand::List {
            store_type: t,
            store,
        } => {
            // An empty value is no filter, as in notation.
            let (t, store) = (t.filter(|t| !t.is_empty()), store.filter(|s| !s.is_empty()));
            // A type notation does not know lists nothing there (it is only a filter).
            let types: Vec<TrustStoreType> = match t {
                Some(t) => t.parse().into_iter().collect(),
                None => TrustStoreType::ALL.to_vec(),
            };
            let root = config::config_dir()?.join("truststore").join("x509");
            // A store notation cannot read fails the listing there (a missing one is empty).
            let unreadable = |dir: &std::path::Path, e: std::io::Error| {
                Failure::msg(format!(
                    "failed to list all certificates stored in the trust store, with error: open {}: {e}",
                    dir.display()
                ))
            };
            let mut rows: Vec<Vec<String>> = Vec::new();
            for t in types {
                let type_dir = root.join(t.as_str());
                let entries = match fs::read_dir(&type_dir) {
                    Ok(entries) => entries,
                    // A missing type directory lists nothing there.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    // So does a file in its place; a file in place of a directory above it
                    // (`truststore`, `x509`) fails, as notation's `lstat` of the type directory.
                    Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
                        match fs::symlink_metadata(&type_dir) {
                            Ok(_) => continue,
                            Err(e) => {
                                return Err(Failure::msg(format!(
                                    "failed to list all certificates stored in the trust store, with error: lstat {}: {e}",
                                    type_dir.display()
                                )));
                            }
                        }
                    }
                    Err(e) => return Err(unreadable(&type_dir, e)),
                };
                let mut stores: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| is_real(p, true))
                    .collect();
                stores.sort();
                for s in stores {
                    if store
                        .as_deref()
                        .is_some_and(|n| s.file_name().and_then(|f| f.to_str()) != Some(n))
                    {
                        continue;
                    }
                    // Certificates are the regular files of the store, as notation lists them.
                    let mut files: Vec<PathBuf> = fs::read_dir(&s)
                        .map_err(|e| unreadable(&s, e))?
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| is_real(p, false))
                        .collect();
                    files.sort();
                    // As notation: a file that does not parse fails the listing, one that
                    // holds no certificate (an empty file, for Go's reader) is left out.
                    for f in files {
                        if fs::metadata(&f).is_ok_and(|m| m.len() == 0) {
                            continue;
                        }
                        match read_stored(&f) {
                            Ok(_) => rows.push(vec![
                                t.as_str().to_string(),
                                s.file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default(),
                                f.file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default(),
                            ]),
                            Err(e) => {
                                return Err(Failure::msg(format!(
                                    "failed to list all certificates stored in the trust store, with error: {e}"
                                )));
                            }
                        }
                    }
                }
            }
            // notation prints nothing at all for no certificates.
            if !rows.is_empty() {
                print!(
                    "{}",
                    crate::output::table(&["STORE TYPE", "STORE NAME", "CERTIFICATE"], &rows)
                );
            }
            Ok(())
        }
        CertCommand::Show {
            store_type: t,
            store,
            file,
        } => {
            let t = store_type(&t)?;
            let path = store_dir(t, &store)?.join(store_file_name(
                &file,
                "certificate fileName cannot be empty",
            )?);
            // Any certificate that parses is shown, as notation shows it: the store's rules
            // apply when it is used.
            let certs = read_stored(&path).map_err(|r| {
                Failure::msg(format!(
                    "failed to show details of certificate {file}, with error: {r}"
                ))
            })?;
            let rule = "-".repeat(80);
            println!("Certificate details");
            println!("{rule}");
            for (i, c) in certs.iter().enumerate() {
                if i > 0 {
                    println!("{rule}");
                }
                println!("Issuer: {}", c.issuer_string());
                println!("Subject: {}", c.subject_string());
                println!("Valid from: {}", go_time(c.not_before()));
                println!("Valid to: {}", go_time(c.not_after()));
                println!("IsCA: {}", c.is_ca());
                println!(
                    "SHA256 Thumbprint: {}",
                    notary_x509::X509Verifier::new(crate::provider()).sha256_fingerprint(c)
                );
            }
            Ok(())
        }
        CertCommand::Delete {
            store_type: t,
            store,
            all,
            yes,
            file,
        } => {
            // notation's argument checks, before anything is asked.
            match (all, &file) {
                (true, Some(_)) => {
                    return Err(Failure::msg(crate::arity::CERT_DELETE_ONE_WITH_ALL));
                }
                (false, None) => {
                    return Err(Failure::msg(
                        "delete requires either the certificate file name that needs to be deleted or --all flag to delete all certificates in the given named trust store",
                    ));
                }
                _ => {}
            }
            let t = store_type(&t)?;
            let dir = store_dir(t, &store)?;
            if let Some(f) = &file {
                store_file_name(
                    f,
                    "to delete a specific certificate, certificate fileName cannot be empty",
                )?;
            }
            // notation's prompts, word for word.
            let question = match &file {
                Some(f) => format!(
                    "Are you sure you want to delete \"{f}\" in \"{store}\" of type \"{}\"?",
                    t.as_str()
                ),
                None => format!(
                    "Are you sure you want to delete all certificates in \"{store}\" of type \"{}\"?",
                    t.as_str()
                ),
            };
            if !yes && !confirm(&question)? {
                return Ok(());
            }
            // Checked above: --all exactly when no file is named.
            match file {
                // notation's words, naming the step that failed as Go's os errors do (`stat`
                // for what does not exist).
                None => {
                    let fail = |op: &str, e: std::io::Error| {
                        Failure::msg(format!(
                            "failed to delete the named trust store: {op} {}: {e}",
                            dir.display()
                        ))
                    };
                    fs::metadata(&dir).map_err(|e| fail("stat", e))?;
                    fs::remove_dir_all(&dir).map_err(|e| fail("unlinkat", e))?;
                    println!("Successfully deleted {}", dir.display());
                }
                Some(f) => {
                    let p = dir.join(&f);
                    let fail = |op: &str, e: std::io::Error| {
                        Failure::msg(format!(
                            "failed to delete the certificate file: {op} {}: {e}",
                            p.display()
                        ))
                    };
                    fs::metadata(&p).map_err(|e| fail("stat", e))?;
                    // Go's os.Remove, as notation calls it: unlink, else rmdir (an empty
                    // directory goes too), reporting rmdir's error unless the path is no
                    // directory.
                    if let Err(unlink) = fs::remove_file(&p)
                        && let Err(rmdir) = fs::remove_dir(&p)
                    {
                        let e = if rmdir.kind() == std::io::ErrorKind::NotADirectory {
                            unlink
                        } else {
                            rmdir
                        };
                        return Err(fail("remove", e));
                    }
                    println!("Successfully deleted {f}");
                }
            }
            Ok(())
        }
        CertCommand::GenerateTest {
            name,
            default,
            bits,
            key_spec,
        } => {
            let spec = match key_spec {
                Some(k) => KeySpec::from_name(&k)?,
                None => key_spec_of_bits(bits)?,
            };
            generate_test(&name, default, spec)
        }
        CertCommand::CleanupTest { yes, name } => cleanup_test(&name, yes),
    }
}

/// Asks on stdout and reads one line of stdin, as notation's `AskForConfirmation`: stdin need
/// not be a terminal (`echo y | notary cert delete ...`); only "y" or "yes" (any case) agree, and
/// no answer at all (end of input) declines.
pub(crate) fn confirm(q: &str) -> Result<bool, Failure> {
    use std::io::{BufRead as _, Write as _};
    print!("{q} [y/N] ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line)? == 0 {
        return Ok(false);
    }
    let answer = line.trim_end_matches(['\n', '\r']).to_ascii_lowercase();
    if matches!(answer.as_str(), "y" | "yes") {
        return Ok(true);
    }
    println!("Operation cancelled.");
    Ok(false)
}

/// `--bits`: the RSA sizes notation signs with, and the EC curve sizes.
const KEY_BITS: [(u32, KeySpec); 6] = [
    (2048, KeySpec::Rsa2048),
    (3072, KeySpec::Rsa3072),
    (4096, KeySpec::Rsa4096),
    (256, KeySpec::EcP256),
    (384, KeySpec::EcP384),
    (521, KeySpec::EcP521),
];

fn key_spec_of_bits(bits: i64) -> Result<KeySpec, Failure> {
    KEY_BITS
        .iter()
        .find(|(b, _)| i64::from(*b) == bits)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            Failure::msg(format!(
                "--bits {bits} is not supported: use 2048, 3072 or 4096 for RSA, or 256, 384 or 521 for EC"
            ))
        })
}

/// Files and directories one `generate-test` run created, removed again if a later step fails
/// so that nothing is left half-done.
#[derive(Default)]
struct Created {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

impl Created {
    /// Notes the directories of `dir` (it and its parents) that do not exist yet.
    fn note_missing_dirs(&mut self, dir: &Path) {
        for d in dir.ancestors() {
            if d.as_os_str().is_empty() || fs::symlink_metadata(d).is_ok() {
                break;
            }
            if !self.dirs.iter().any(|x| x == d) {
                self.dirs.push(d.to_path_buf());
            }
        }
    }

    /// Writes a new private file (never replacing one) and notes it.
    fn write(&mut self, path: &Path, data: &[u8]) -> Result<(), Failure> {
        self.write_as(path, data, false)
    }

    /// [`Self::write`], readable by others when `public`.
    fn write_as(&mut self, path: &Path, data: &[u8], public: bool) -> Result<(), Failure> {
        if let Some(parent) = path.parent() {
            self.note_missing_dirs(parent);
        }
        if public {
            config::write_public_new(path, data)?;
        } else {
            config::write_private_new(path, data)?;
        }
        self.files.push(path.to_path_buf());
        Ok(())
    }

    /// Removes what was created, newest first. Best effort: the error being reported matters
    /// more, and a directory something else wrote into meanwhile is kept (remove_dir refuses).
    fn undo(self) {
        for f in self.files.iter().rev() {
            let _ = fs::remove_file(f);
        }
        // Deepest first, so that each parent is empty when its turn comes.
        let mut dirs = self.dirs;
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        for d in dirs {
            let _ = fs::remove_dir(d);
        }
    }
}

fn generate_test(name: &str, default: bool, spec: KeySpec) -> CmdResult {
    if !is_valid_name(name) {
        return Err(Failure::msg("name needs to follow [a-zA-Z0-9_.-]+ format"));
    }
    let dir = config::config_dir()?;
    // Made now rather than at the first write, so that it can be locked from the read of
    // signingkeys.json to its write (parallel runs must not lose each other's keys).
    config::ensure_dir(&dir)?;
    let _lock = config::lock_dir(&dir);
    let keys = config::signing_keys()?;
    if keys.keys.iter().any(|k| k.name == name) {
        return Err(Failure::msg(format!(
            "signing key with name {name:?} already exists"
        )));
    }
    let local = dir.join("localkeys");
    let key_path = local.join(format!("{name}.key"));
    let cert_path = local.join(format!("{name}.crt"));
    // Every destination is checked before anything is written: files left by `key delete`
    // (which keeps them) or by notation are never replaced (notation writes them with O_EXCL).
    for (what, p) in [("key", &key_path), ("certificate", &cert_path)] {
        if fs::symlink_metadata(p).is_ok() {
            return Err(Failure::msg(format!(
                "failed to write {what} file: open {}: file exists",
                p.display()
            )));
        }
    }
    let store_file = new_store_file(TrustStoreType::Ca, name, OsStr::new(&format!("{name}.crt")))?;
    let g = notary_crypto::generate_test_certificate(name, spec, crate::now())?;
    check_certificates(TrustStoreType::Ca, g.cert_pem.as_bytes(), &cert_path)?;
    let mut created = Created::default();
    let result = write_test_files(
        &mut created,
        &g,
        &dir,
        name,
        default,
        keys,
        [&key_path, &cert_path, &store_file],
    );
    if result.is_err() {
        created.undo();
    }
    result
}

/// The writing half of `generate-test`: key, certificate, trust store copy, then the key list.
fn write_test_files(
    created: &mut Created,
    g: &notary_crypto::GeneratedCertificate,
    dir: &Path,
    name: &str,
    default: bool,
    mut keys: notary::config::SigningKeys,
    [key_path, cert_path, store_file]: [&Path; 3],
) -> CmdResult {
    let spec = g.key_spec;
    match KEY_BITS.iter().find(|(_, s)| *s == spec) {
        Some((bits, _)) => println!(
            "generating {} Key with {bits} bits",
            if spec.is_rsa() { "RSA" } else { "EC" }
        ),
        None => println!("generating {} key", spec.name()),
    }
    println!(
        "generated certificate expiring on {}",
        notary_core::timefmt::format_rfc3339(
            notary_x509::Certificate::from_der(&g.cert_der)?.not_after()
        )?
    );
    created
        .write(key_path, g.key_pem.as_bytes())
        .map_err(|e| Failure::msg(format!("failed to write key file: {}", e.0)))?;
    println!("wrote key: {}", key_path.display());
    // The key stays private; its certificate is public (0644, as notation writes it).
    created
        .write_as(cert_path, g.cert_pem.as_bytes(), true)
        .map_err(|e| Failure::msg(format!("failed to write certificate file: {}", e.0)))?;
    println!("wrote certificate: {}", cert_path.display());
    // As notation records them (the configuration directory joined and cleaned, links not
    // resolved: a configuration directory reached through a link keeps being found through it),
    // but always absolute, so that the key is found from any working directory.
    let abs = |p: &Path| go_abs(p).display().to_string();
    created.write(store_file, g.cert_pem.as_bytes())?;
    println!("Successfully added {name}.crt to named store {name} of type ca");
    keys.keys
        .push(KeyEntry::local(name, abs(key_path), abs(cert_path)));
    if default {
        keys.default = Some(name.to_string());
    }
    config::save_signing_keys(dir, &keys)?;
    println!("{name}: added to the key list");
    if default {
        println!("{name}: mark as default signing key");
    }
    Ok(())
}

/// `p` made absolute and cleaned as Go's `filepath.Abs` does: `.` and `..` are folded by name,
/// symbolic links are not resolved.
fn go_abs(p: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            // `..` of the root is the root, as in Go.
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether `a` and `b` name the same directory (compared resolved when both exist).
fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// One step of `cleanup-test`: removing `path` said `done` when it was there, `absent` when it
/// was already gone (an earlier, interrupted cleanup), and any other failure is kept for the end.
fn cleanup_step(path: &Path, done: String, absent: String, failures: &mut Vec<String>) {
    match fs::remove_file(path) {
        Ok(()) => println!("{done}"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => println!("{absent}"),
        Err(e) => failures.push(format!("cannot delete {}: {e}", path.display())),
    }
}

/// `cert cleanup-test [-y] NAME`, as notation's command-line specification describes it (the
/// command is in notation's source, in no release yet): after a confirmation (`--yes` skips it)
/// removes the certificate `NAME.crt` from the trust store `ca/NAME`, the key `NAME` from the
/// signing key list, and the files `localkeys/NAME.key` and `localkeys/NAME.crt`; a piece that
/// is already gone does not stop the others, so an interrupted cleanup can be finished. Only
/// what `generate-test` writes is touched: a key `NAME` registered from other files (`key add
/// --key --cert`, a plugin key) is refused before anything is removed.
fn cleanup_test(name: &str, yes: bool) -> CmdResult {
    // notation's check of the operand, before anything is read.
    if !is_valid_name(name) {
        return Err(Failure::msg(
            "certificate common name must follow [a-zA-Z0-9_.-]+ format",
        ));
    }
    let question =
        format!("Are you sure you want to clean up test key {name:?} and its certificate?");
    if !yes && !confirm(&question)? {
        return Ok(());
    }
    let dir = config::config_dir()?;
    let _lock = config::lock_dir(&dir);
    let mut keys = config::signing_keys()?;
    let local = dir.join("localkeys");
    let key_file = local.join(format!("{name}.key"));
    let cert_file = local.join(format!("{name}.crt"));
    let entry = keys.keys.iter().find(|k| k.name == name).cloned();
    if let Some(entry) = &entry {
        let (Some(key_path), Some(cert_path)) = (&entry.key_path, &entry.cert_path) else {
            return Err(Failure::msg(if entry.plugin_name.is_some() {
                "cleanup-test can only apply to non-external keys created by the generate-test command"
            } else {
                "cleanup-test requires key pair files created by the generate-test command"
            }));
        };
        for (p, want) in [(key_path, &key_file), (cert_path, &cert_file)] {
            let p = Path::new(p);
            let generated = p.file_name() == want.file_name()
                && p.parent().is_some_and(|d| same_dir(d, &local));
            if !generated {
                return Err(Failure::msg(format!(
                    "cleanup-test can only apply to keys created by the generate-test command: {} is not {}",
                    p.display(),
                    want.display()
                )));
            }
        }
    }
    let mut failures = Vec::new();
    let stored_name = format!("{name}.crt");
    cleanup_step(
        &store_dir(TrustStoreType::Ca, name)?.join(&stored_name),
        format!(
            "Successfully deleted certificate {stored_name} from trust store {name} of type ca."
        ),
        format!("Certificate {stored_name} does not exist in trust store {name} of type ca."),
        &mut failures,
    );
    if entry.is_some() {
        keys.keys.retain(|k| k.name != name);
        if keys.default.as_deref() == Some(name) {
            keys.default = None;
        }
        match config::save_signing_keys(&dir, &keys) {
            Ok(()) => println!("Successfully removed key {name} from signingkeys.json."),
            Err(e) => failures.push(format!("cannot update signingkeys.json: {}", e.0)),
        }
    } else {
        println!("Key {name} does not exist in signingkeys.json.");
    }
    cleanup_step(
        &key_file,
        format!("Successfully deleted key file: {}.", key_file.display()),
        format!("Key file {} does not exist.", key_file.display()),
        &mut failures,
    );
    cleanup_step(
        &cert_file,
        format!(
            "Successfully deleted certificate file: {}.",
            cert_file.display()
        ),
        format!("Certificate file {} does not exist.", cert_file.display()),
        &mut failures,
    );
    if !failures.is_empty() {
        return Err(Failure::msg(format!(
            "Failed to clean up the test key {name} and its corresponding certificate: {}",
            failures.join("; ")
        )));
    }
    println!("Cleanup completed successfully.");
    Ok(())
}

/// Go's `time.Time` default rendering of a UTC time (`2026-12-03 18:05:59 +0000 UTC`), as
/// `notation cert show` prints validity dates.
fn go_time(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} +0000 UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
