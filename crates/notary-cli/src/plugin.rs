//! `notary plugin list|install|uninstall`: the plugins under `$NOTATION_LIBEXEC/plugins`
//! (default `<config dir>/plugins`), one directory per plugin holding `notation-<name>`.

use std::io::Read as _;
use std::path::Path;

use clap::Subcommand;
use notary::plugin::PluginHost;

use crate::config;
use crate::{CmdResult, Failure};

use notary::plugin_package::MAX_PLUGIN_SIZE;

#[derive(Subcommand)]
// Built when used: a run parses one subcommand, not the whole tree.
#[command(defer = true)]
pub enum PluginCommand {
    /// List installed plugins
    #[command(alias = "ls")]
    List,
    /// Install a plugin from a file or an HTTPS URL: an executable, or a .zip or .tar.gz holding
    /// one executable `notation-<name>`
    #[command(alias = "add")]
    Install {
        /// The source is a file on the file system
        #[arg(long)]
        file: bool,
        /// The source is an HTTPS URL (needs --sha256sum; the download times out after 10m)
        #[arg(long)]
        url: bool,
        /// SHA-256 (hex) the plugin source must have; required with --url
        #[arg(long = "sha256sum")]
        sha256sum: Option<String>,
        /// Force the installation: skip the version check against an installed plugin of the
        /// same name (without it only a higher version replaces it)
        #[arg(long)]
        force: bool,
        /// The plugin file path or URL
        source: Vec<String>,
    },
    /// Uninstall a plugin
    #[command(alias = "remove", alias = "rm")]
    Uninstall {
        /// Plugin name
        name: String,
        /// Do not ask for confirmation
        #[arg(short = 'y', long = "yes")]
        yes: bool,
    },
}

fn list() -> CmdResult {
    let host = crate::notation_dir()?.plugin_host();
    let names = host.list().map_err(|e| Failure::msg(e.to_string()))?;
    // notation's table: Go's `%v` of the capabilities (`[a b]`) and of the error (`<nil>`).
    let rows: Vec<Vec<String>> = names
        .into_iter()
        .map(|n| match host.metadata(&n) {
            Ok(m) => vec![
                n,
                m.description,
                m.version,
                format!("[{}]", m.capabilities.join(" ")),
                "<nil>".to_string(),
            ],
            Err(e) => vec![
                n,
                String::new(),
                String::new(),
                "[]".to_string(),
                e.to_string(),
            ],
        })
        // A plugin's text (its stderr in an error) stays on its row, without terminal controls.
        .map(|row| {
            row.into_iter()
                .map(|cell| {
                    let line: String = cell
                        .chars()
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    line.trim().to_string()
                })
                .collect()
        })
        .collect();
    print!(
        "{}",
        crate::output::table(
            &["NAME", "DESCRIPTION", "VERSION", "CAPABILITIES", "ERROR"],
            &rows
        )
    );
    Ok(())
}

/// Reads the package file, refusing anything but a regular file within the size cap.
fn read_file(file: &Path) -> Result<Vec<u8>, Failure> {
    let meta =
        std::fs::metadata(file).map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    if !meta.is_file() {
        return Err(Failure::msg(format!(
            "{}: not a regular file",
            file.display()
        )));
    }
    let mut data = Vec::new();
    // The size is read through a cap too: the file may grow after the metadata call.
    std::fs::File::open(file)
        .and_then(|f| {
            f.take(MAX_PLUGIN_SIZE.saturating_add(1))
                .read_to_end(&mut data)
        })
        .map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    Ok(data)
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::msg(format!("{}: {e}", p.display()))
}

/// How long a plugin download may take, as notation.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);
/// Most redirects followed by a download.
const MAX_REDIRECTS: usize = 10;

/// Checks `data` against the `--sha256sum` the user gave (hex, any case).
fn check_sha256(data: &[u8], expected: &str) -> CmdResult {
    use sha2::Digest as _;
    let actual = hex::encode(sha2::Sha256::digest(data));
    if !actual.eq_ignore_ascii_case(expected.trim()) {
        return Err(Failure::msg(format!(
            "plugin installation failed: plugin SHA-256 checksum does not match user input. Expecting {expected}, got {actual}"
        )));
    }
    Ok(())
}

/// Downloads `url` (HTTPS only, redirects too) into memory, refusing a body of
/// [`MAX_PLUGIN_SIZE`] bytes or more while it streams in. HTTPS trusts the platform's roots
/// (`SSL_CERT_FILE` / `SSL_CERT_DIR` when set). Returns the body and the URL's file name.
fn download(url: &str) -> Result<(Vec<u8>, String), Failure> {
    // notation's words; the URL is the user's own.
    let fail = |m: String| Failure::msg(format!("failed to download plugin from URL: {m}"));
    let parsed = reqwest::Url::parse(url).map_err(|e| fail(e.to_string()))?;
    if parsed.scheme() != "https" {
        return Err(fail(format!(
            "only the HTTPS scheme is supported, but got {}",
            parsed.scheme()
        )));
    }
    let file_name = parsed
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default()
        .to_string();
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.url().scheme() != "https" {
            let to = attempt.url().to_string();
            attempt.error(format!("refusing a redirect to {to}: not HTTPS"))
        } else if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    });
    let client = reqwest::Client::builder()
        .user_agent(concat!("notary/", env!("CARGO_PKG_VERSION")))
        .timeout(DOWNLOAD_TIMEOUT)
        .redirect(policy)
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let rt = crate::oci::runtime()?;
    let data = rt.block_on(async {
        let mut resp = client
            .get(parsed)
            .send()
            .await
            .map_err(|e| fail(error_chain(&e)))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(fail(format!(
                "https response bad status: {}",
                resp.status()
            )));
        }
        let too_large = || {
            fail(format!(
                "the plugin source reached the {} MiB size limit",
                MAX_PLUGIN_SIZE / (1024 * 1024)
            ))
        };
        if resp.content_length().is_some_and(|n| n >= MAX_PLUGIN_SIZE) {
            return Err(too_large());
        }
        let mut data = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| fail(error_chain(&e)))? {
            if (data.len() as u64).saturating_add(chunk.len() as u64) >= MAX_PLUGIN_SIZE {
                return Err(too_large());
            }
            data.extend_from_slice(&chunk);
        }
        Ok(data)
    })?;
    Ok((data, file_name))
}

/// An error with its causes (reqwest's own message hides the TLS or connection reason).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cur = c.source();
    }
    out
}

fn install(source: &str, is_url: bool, sha256sum: Option<&str>, force: bool) -> CmdResult {
    let sha256sum = sha256sum.filter(|s| !s.is_empty());
    let (data, file_name) = if is_url {
        let sum = sha256sum.ok_or_else(|| {
            Failure::msg(
                "installing from URL requires non-empty SHA256 checksum of the plugin source",
            )
        })?;
        let (data, name) = download(source)?;
        // Checked before anything is unpacked or run.
        check_sha256(&data, sum)?;
        (data, name)
    } else {
        let file = Path::new(source);
        let data = read_file(file)
            .map_err(|Failure(m)| Failure::msg(format!("plugin installation failed: {m}")))?;
        if let Some(sum) = sha256sum {
            check_sha256(&data, sum)?;
        }
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        (data, name)
    };
    install_package(&data, &file_name, source, force)
}

/// Installs the plugin package `data` (named `file_name`; `source` is how the user named it).
fn install_package(data: &[u8], file_name: &str, source: &str, force: bool) -> CmdResult {
    let notation = crate::notation_dir()?;
    let dir = notation.plugins_dir().to_path_buf();
    config::ensure_dir(&dir)?;
    // Stage inside the plugin directory, so the final move is a rename on one file system.
    let tmp = tempfile::Builder::new()
        .prefix(notary::plugin::STAGING_PREFIX)
        .tempdir_in(&dir)
        .map_err(io(&dir))?;
    let staged =
        notary::plugin_package::stage_package(data, file_name, tmp.path(), MAX_PLUGIN_SIZE)
            .map_err(|e| Failure::msg(e.to_string()))?;
    let (name, exe) = (staged.name.clone(), staged.path.clone());
    let host = notation.plugin_host();
    let meta = host
        .metadata_of(&exe, &name)
        .map_err(|e| Failure::msg(format!("{source} is not a valid plugin: {e}")))?;
    if meta.name != name {
        return Err(Failure::msg(format!(
            "the executable is named notation-{name} but the plugin reports the name {:?}",
            meta.name
        )));
    }
    let existing = existing_version(&host, &name, &meta.version, force)?;
    // Whatever is left under the plugin's directory goes, as notation-go's install cleans up
    // before it copies.
    let target = dir.join(&name);
    if std::fs::symlink_metadata(&target).is_ok() {
        std::fs::remove_dir_all(&target).map_err(io(&target))?;
    }
    config::ensure_dir(&target)?;
    let dst = target.join(&staged.file_name);
    std::fs::rename(&exe, &dst).map_err(io(&dst))?;
    // The package's other files (a LICENSE, libraries the plugin loads) go beside it.
    for other in &staged.other_files {
        let dst = target.join(other);
        std::fs::rename(tmp.path().join(other), &dst).map_err(io(&dst))?;
    }
    match existing {
        Some(old) => println!(
            "Successfully updated plugin {name} from version {old} to {}",
            meta.version
        ),
        None => println!(
            "Successfully installed plugin {name}, version {}",
            meta.version
        ),
    }
    Ok(())
}

/// notation's check of an installed plugin of the same name (notation-go `CLIManager.Install`):
/// without `force`, only a strictly higher `new_version` replaces it; the same version and a
/// downgrade are refused, and so is an installed plugin that cannot be run or compared. With
/// `force` nothing is checked. Returns the installed version when its metadata could be read.
fn existing_version(
    host: &PluginHost,
    name: &str,
    new_version: &str,
    force: bool,
) -> Result<Option<String>, Failure> {
    use notary::plugin::PluginError;
    use notary::verifier::plugin::SemVer;
    let failed = |m: String| Failure::msg(format!("plugin installation failed: {m}"));
    match host.executable(name) {
        Ok(_) => {}
        Err(PluginError::NotInstalled { .. }) => return Ok(None),
        Err(_) if force => return Ok(None),
        Err(e) => return Err(failed(format!("failed to check plugin existence: {e}"))),
    }
    let current = match host.metadata(name) {
        Ok(m) => m.version,
        Err(_) if force => return Ok(None),
        Err(e) => {
            return Err(failed(format!(
                "failed to get metadata of existing plugin: {e}"
            )));
        }
    };
    if !force {
        let parse = |v: &str| {
            SemVer::parse(v).ok_or_else(|| {
                failed(format!(
                    "failed to compare plugin versions: {v} is not a valid semantic version"
                ))
            })
        };
        let (new, old) = (parse(new_version)?, parse(&current)?);
        match new.cmp(&old) {
            std::cmp::Ordering::Less => {
                return Err(failed(format!(
                    "failed to install plugin {name}. The installing plugin version {new_version} is lower than the existing plugin version {current}.\nIt is not recommended to install an older version. To force the installation, use the \"--force\" option"
                )));
            }
            std::cmp::Ordering::Equal => {
                return Err(failed(format!(
                    "plugin {name} with version {current} already exists"
                )));
            }
            std::cmp::Ordering::Greater => {}
        }
    }
    Ok(Some(current))
}

fn uninstall(name: &str, yes: bool) -> CmdResult {
    if !notary::plugin::valid_name(name) {
        return Err(Failure::msg(format!("invalid plugin name {name:?}")));
    }
    let dir = config::plugins_dir()?.join(name);
    if std::fs::symlink_metadata(&dir).is_err() {
        return Err(Failure::msg(format!(
            "unable to find plugin {name}.\nTo view a list of installed plugins, use `notary plugin list`"
        )));
    }
    // Declined, nothing is removed and the command succeeds, as notation's.
    if !yes
        && !crate::cert::confirm(&format!(
            "Are you sure you want to uninstall plugin {name:?}?"
        ))?
    {
        return Ok(());
    }
    std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    println!("Successfully uninstalled plugin {name}");
    Ok(())
}

pub fn run(c: PluginCommand) -> CmdResult {
    match c {
        PluginCommand::List => list(),
        PluginCommand::Install {
            file,
            url,
            sha256sum,
            force,
            source,
        } => {
            // notation's checks and words, in its order.
            let source = match source.as_slice() {
                [] if file => return Err(Failure::msg("missing plugin file path")),
                [] if url => return Err(Failure::msg("missing plugin URL")),
                [] => return Err(Failure::msg("missing plugin source location")),
                [one] => one.clone(),
                more => {
                    return Err(Failure::msg(format!(
                        "can only install one plugin at a time, but got [{}]",
                        more.join(" ")
                    )));
                }
            };
            if file == url {
                return Err(Failure::msg(if file {
                    "if any flags in the group [file url] are set none of the others can be; [file url] were all set"
                } else {
                    "at least one of the flags in the group [file url] is required"
                }));
            }
            install(&source, url, sha256sum.as_deref(), force)
        }
        PluginCommand::Uninstall { name, yes } => uninstall(&name, yes),
    }
}
