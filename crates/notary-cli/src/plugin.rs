//! `notary plugin list|install|uninstall`: the plugins under `$NOTATION_LIBEXEC/plugins`
//! (default `<config dir>/plugins`), one directory per plugin holding `notation-<name>`.

use std::io::Read as _;
use std::path::Path;

use clap::Subcommand;
use notary::plugin::{PluginError, PluginHost};
use notary::plugin_package::PackageKind;
use notary_plugin_api::GetMetadataResponse;

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

/// Go's name of this platform (`GOOS/GOARCH`), as notation's hints print it.
fn go_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}/{arch}")
}

/// notation-go's classes of plugin failures, which its hints tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// The executable could not be run or failed (`PluginExecutableFileError`).
    Exec,
    /// Its answer could not be read or was refused (`PluginMalformedError`).
    Malformed,
    /// Anything else.
    Other,
}

/// A plugin failure in notation's words (`exe` the executable run) and its class.
pub(crate) fn go_words(e: &PluginError, exe: &Path) -> (String, Class) {
    match e {
        PluginError::Process { reason, .. } => (
            crate::go_style_os_errors(&format!("fork/exec {}: {reason}", exe.display())),
            Class::Exec,
        ),
        // Go prints `exit status 1`, Rust `exit status: 1`.
        PluginError::ExitStatus { status, .. } => {
            (status.replace("exit status: ", "exit status "), Class::Exec)
        }
        PluginError::MalformedResponse { name, command, .. } => (
            format!("failed to unmarshal the response of {command} command for plugin {name}"),
            Class::Malformed,
        ),
        PluginError::InvalidMetadata { name, reason } => {
            match reason.strip_prefix("invalid metadata: ") {
                Some(r) => (
                    format!("metadata validation failed for plugin {name}: {r}"),
                    Class::Malformed,
                ),
                None => (e.to_string(), Class::Other),
            }
        }
        PluginError::NotInstalled { name, .. } => (
            format!(
                "plugin executable file `notation-{name}` not found. Use `notary plugin install` command to install the plugin"
            ),
            Class::Other,
        ),
        PluginError::NotRegularFile { .. } => (
            "plugin executable file is not a regular file".to_string(),
            Class::Other,
        ),
        e => (e.to_string(), Class::Other),
    }
}

/// A failure of `context` in notation's words with its hint: an executable failure keeps the
/// context, a malformed answer stands alone (as notation's install prints them).
fn hinted(context: &str, (words, class): (String, Class)) -> String {
    let platform = go_platform();
    match class {
        Class::Exec => format!(
            "{context}: {words}.\nPlease ensure that the plugin executable file is compatible with {platform} and has appropriate permissions."
        ),
        Class::Malformed => format!(
            "{words}.\nPlease ensure that the plugin executable file is intact and compatible with {platform}. Contact the plugin publisher for further assistance."
        ),
        Class::Other => format!("{context}: {words}"),
    }
}

/// notation-go's words for a plugin reporting another name than its executable's.
fn name_mismatch(reported: &str, name: &str) -> String {
    format!(
        "plugin executable file name must be \"notation-{reported}\" instead of \"notation-{name}\""
    )
}

/// `get-plugin-metadata` of `exe` for plugin `name`, checked as notation-go checks it (the
/// metadata, then the name it reports); a failure in notation's words with its class, naming
/// the executable `shown` (where notation would have run it).
fn checked_metadata(
    host: &PluginHost,
    exe: &Path,
    shown: &Path,
    name: &str,
) -> Result<GetMetadataResponse, (String, Class)> {
    let m = host
        .metadata_of(exe, name)
        .map_err(|e| go_words(&e, shown))?;
    if m.name != name {
        return Err((name_mismatch(&m.name, name), Class::Other));
    }
    Ok(m)
}

/// The metadata of an installed plugin, or the error column of `plugin list` in notation's
/// words.
fn list_entry(host: &PluginHost, name: &str) -> Result<GetMetadataResponse, String> {
    let exe = host
        .executable(name)
        .map_err(|e| go_words(&e, Path::new("")).0)?;
    match host.metadata_of(&exe, name) {
        // notation-go's words for a file the system cannot execute.
        Err(PluginError::Process { reason, .. }) if reason.contains("(os error 8)") => {
            Err(format!(
                "plugin file `notation-{name}` is not executable. Use `notary plugin install` command to install the plugin. Please ensure that the plugin executable file is compatible with {}",
                go_platform()
            ))
        }
        Err(e) => Err(go_words(&e, &exe).0),
        Ok(m) if m.name != name => Err(name_mismatch(&m.name, name)),
        Ok(m) => Ok(m),
    }
}

fn list() -> CmdResult {
    let host = crate::notation_dir()?.plugin_host();
    if let Err(e) = std::fs::read_dir(host.dir())
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(Failure::msg(format!(
            "failed to list plugin: open .: {e}.\nPlease ensure that the current user has permission to access the plugin directory: {}",
            host.dir().display()
        )));
    }
    let names = host.list().map_err(|e| Failure::msg(e.to_string()))?;
    // notation's table: Go's `%v` of the capabilities (`[a b]`) and of the error (`<nil>`).
    let rows: Vec<Vec<String>> = names
        .into_iter()
        .map(|n| match list_entry(&host, &n) {
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
                crate::go_style_os_errors(&e),
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

/// Reads the package file, refusing anything but a regular file within the size cap; returns
/// its content and permission bits.
fn read_file(file: &Path) -> Result<(Vec<u8>, Option<u32>), Failure> {
    // notation's words: Go's `os.Stat` error, and its own for anything but a file.
    let meta = std::fs::metadata(file)
        .map_err(|e| Failure::msg(format!("stat {}: {e}", file.display())))?;
    if !meta.is_file() {
        return Err(Failure::msg(format!(
            "{} is not a valid file",
            file.display()
        )));
    }
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt as _;
        Some(meta.permissions().mode() & 0o7777)
    };
    #[cfg(not(unix))]
    let mode = None;
    let mut data = Vec::new();
    // The size is read through a cap too: the file may grow after the metadata call.
    std::fs::File::open(file)
        .and_then(|f| {
            f.take(MAX_PLUGIN_SIZE.saturating_add(1))
                .read_to_end(&mut data)
        })
        .map_err(|e| Failure::msg(format!("{}: {e}", file.display())))?;
    Ok((data, mode))
}

fn io(p: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure::msg(format!("{}: {e}", p.display()))
}

/// How long a plugin download may take, as notation.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);
/// Most redirects followed by a download.
const MAX_REDIRECTS: usize = 10;

/// Checks `data` against the `--sha256sum` the user gave (hex, any case, taken as given).
fn check_sha256(data: &[u8], expected: &str) -> CmdResult {
    use sha2::Digest as _;
    let actual = hex::encode(sha2::Sha256::digest(data));
    if !actual.eq_ignore_ascii_case(expected) {
        return Err(Failure::msg(format!(
            "plugin SHA-256 checksum does not match user input. Expecting {expected}, got {actual}"
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
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        // Go reads a URL without a scheme as a path: its scheme is empty, so not HTTPS.
        // (The parser's error for one, compared without naming the `url` crate's type.)
        Err(e) if reqwest::Url::parse("no-scheme").err() == Some(e) => {
            return Err(fail(
                "only the HTTPS scheme is supported, but got ".to_string(),
            ));
        }
        Err(e) => {
            return Err(Failure::msg(format!(
                "failed to parse plugin download URL {url} with error: parse {url:?}: {e}"
            )));
        }
    };
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
        .map_err(|e| fail(error_chain(&e)))?;
    let rt = crate::oci::runtime()?;
    // Once the request can be made, notation's words name the URL.
    let failed = |m: String| {
        Failure::msg(format!(
            "failed to download plugin from URL {url} with error: {m}"
        ))
    };
    println!("Downloading plugin from {url}");
    let data = rt.block_on(async {
        let mut resp = client
            .get(parsed)
            .send()
            .await
            .map_err(|e| failed(error_chain(&e)))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(failed(format!(
                "GET {url:?}: https response bad status: {}",
                resp.status()
            )));
        }
        let too_large = || {
            failed(format!(
                "the plugin source reached the {} MiB size limit",
                MAX_PLUGIN_SIZE / (1024 * 1024)
            ))
        };
        if resp.content_length().is_some_and(|n| n >= MAX_PLUGIN_SIZE) {
            return Err(too_large());
        }
        let mut data = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| failed(error_chain(&e)))? {
            if (data.len() as u64).saturating_add(chunk.len() as u64) >= MAX_PLUGIN_SIZE {
                return Err(too_large());
            }
            data.extend_from_slice(&chunk);
        }
        Ok(data)
    })?;
    println!("Download completed");
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
    // notation's prefix for whatever fails once the source is at hand.
    let failed = |Failure(m)| Failure::msg(format!("plugin installation failed: {m}"));
    let (data, file_name, mode) = if is_url {
        let sum = sha256sum.ok_or_else(|| {
            Failure::msg(
                "installing from URL requires non-empty SHA256 checksum of the plugin source",
            )
        })?;
        let (data, name) = download(source)?;
        // Checked before anything is unpacked or run.
        check_sha256(&data, sum).map_err(failed)?;
        (data, name, None)
    } else {
        let file = Path::new(source);
        let (data, mode) = read_file(file).map_err(failed)?;
        if let Some(sum) = sha256sum {
            check_sha256(&data, sum).map_err(failed)?;
        }
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        (data, name, mode)
    };
    install_package(&data, &file_name, mode, source, force).map_err(failed)
}

/// Installs the plugin package `data` (named `file_name`, with the permission bits `mode` when
/// it is a file; `source` is how the user named it). The plugin directory and its parents are
/// created if missing, and removed again when the installation fails (notation leaves nothing
/// behind).
fn install_package(
    data: &[u8],
    file_name: &str,
    mode: Option<u32>,
    source: &str,
    force: bool,
) -> CmdResult {
    let kind = PackageKind::of(data);
    if kind == PackageKind::Executable {
        // notation's checks of a bare executable, before anything is written or run.
        if file_name
            .strip_prefix("notation-")
            .is_none_or(str::is_empty)
        {
            return Err(Failure::msg(format!(
                "failed to read plugin name from input file {file_name}: invalid plugin executable file name. Plugin file name requires format notation-{{plugin-name}}, but got {file_name}"
            )));
        }
        if mode.is_some_and(|m| m & 0o100 == 0) {
            return Err(Failure::msg(format!(
                "input file {file_name} is not executable"
            )));
        }
    }
    let notation = crate::notation_dir()?;
    let dir = notation.plugins_dir().to_path_buf();
    let missing: Vec<std::path::PathBuf> = dir
        .ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_err())
        .map(Path::to_path_buf)
        .collect();
    config::ensure_dir(&dir)?;
    let result = install_staged(&notation, data, file_name, mode, kind, source, force);
    if result.is_err() {
        // Deepest first; only directories this run created and left empty.
        for created in &missing {
            let _ = std::fs::remove_dir(created);
        }
    }
    result
}

/// Stages the package in the plugin directory, asks the plugin for its metadata, checks the
/// installed version and moves the files into place.
fn install_staged(
    notation: &notary::config::NotationDir,
    data: &[u8],
    file_name: &str,
    mode: Option<u32>,
    kind: PackageKind,
    source: &str,
    force: bool,
) -> CmdResult {
    let dir = notation.plugins_dir().to_path_buf();
    // Stage inside the plugin directory, so the final move is a rename on one file system.
    let tmp = tempfile::Builder::new()
        .prefix(notary::plugin::STAGING_PREFIX)
        .tempdir_in(&dir)
        .map_err(io(&dir))?;
    let staged =
        notary::plugin_package::stage_package(data, file_name, mode, tmp.path(), MAX_PLUGIN_SIZE)
            .map_err(|e| match e {
            PluginError::NoExecutable | PluginError::SeveralExecutables => {
                Failure::msg(format!("failed to read plugin from input directory: {e}"))
            }
            e => Failure::msg(e.to_string()),
        })?;
    let (name, exe) = (staged.name.clone(), staged.path.clone());
    let host = notation.plugin_host();
    // notation runs a bare executable where it is; an archive's from where it unpacked it.
    let shown = if kind == PackageKind::Executable {
        Path::new(source)
    } else {
        exe.as_path()
    };
    let meta = checked_metadata(&host, &exe, shown, &name)
        .map_err(|e| Failure::msg(hinted("failed to get metadata of new plugin", e)))?;
    let existing = existing_version(&host, &name, &meta.version, force)?;
    // The plugin's new directory is put together in the staging directory, then swapped in
    // with two renames: an interrupted or failed install leaves the old plugin or the new one,
    // never a directory half emptied or half filled. Whatever was under the plugin's directory
    // goes (moved aside, removed with the staging directories), as notation-go's install
    // cleans up before it copies.
    let target = dir.join(&name);
    // Beside the staging directory (a package may hold any file name): the new directory and
    // the old one on its way out.
    let swap = tempfile::Builder::new()
        .prefix(notary::plugin::STAGING_PREFIX)
        .tempdir_in(&dir)
        .map_err(io(&dir))?;
    let assembled = swap.path().join("new");
    config::ensure_dir(&assembled)?;
    let dst = assembled.join(&staged.file_name);
    std::fs::rename(&exe, &dst).map_err(io(&dst))?;
    // The package's other files (a LICENSE, libraries the plugin loads) go beside it.
    for other in &staged.other_files {
        let dst = assembled.join(other);
        std::fs::rename(tmp.path().join(other), &dst).map_err(io(&dst))?;
    }
    let old = swap.path().join("old");
    let had_old = std::fs::symlink_metadata(&target).is_ok();
    if had_old {
        std::fs::rename(&target, &old).map_err(io(&target))?;
    }
    if let Err(e) = std::fs::rename(&assembled, &target) {
        // Put the old plugin back rather than leave none.
        if had_old {
            let _ = std::fs::rename(&old, &target);
        }
        return Err(io(&target)(e));
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
    use notary::verifier::plugin::SemVer;
    let failed = Failure::msg;
    let exe = match host.executable(name) {
        Ok(exe) => exe,
        Err(PluginError::NotInstalled { .. }) => return Ok(None),
        Err(_) if force => return Ok(None),
        Err(e) => {
            let (words, _) = go_words(&e, Path::new(""));
            return Err(failed(format!("failed to check plugin existence: {words}")));
        }
    };
    let current = match checked_metadata(host, &exe, &exe, name) {
        Ok(m) => m.version,
        Err(_) if force => return Ok(None),
        Err(e) => {
            return Err(failed(hinted(
                "failed to get metadata of existing plugin",
                e,
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
    let not_found = || {
        Failure::msg(format!(
            "unable to find plugin {name}.\nTo view a list of installed plugins, use `notary plugin list`"
        ))
    };
    // A name that cannot be a plugin's directory names none (and never one outside).
    if !notary::plugin::valid_name(name) {
        return Err(not_found());
    }
    let dir = config::plugins_dir()?.join(name);
    // notation looks for the plugin's executable, as it would run it.
    let exe = dir.join(format!("notation-{name}"));
    match std::fs::metadata(&exe) {
        Ok(m) if m.is_file() => {}
        Ok(_) => {
            return Err(Failure::msg(
                "failed to check plugin existence: plugin executable file is not a regular file",
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
        Err(e) => {
            return Err(Failure::msg(format!(
                "failed to check plugin existence: plugin executable file is either not found or inaccessible: stat {}: {e}",
                exe.display()
            )));
        }
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
