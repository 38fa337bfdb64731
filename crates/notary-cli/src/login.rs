//! `notary login|logout`: registry credentials, validated against the registry and stored where
//! notation keeps them.
//!
//! The store is chosen as notation v1.3 does: notation's `config.json` when it configures any
//! credential (`auths`, `credsStore` or `credHelpers`), else Docker's `config.json` when it
//! does, else notation's. In the chosen file, a credential helper named for the server
//! (`credHelpers`) or for all (`credsStore`) gets the credential through
//! `docker-credential-<helper> store|erase`; without one it goes into `auths`. The registry
//! commands read credentials from the same place (see `oci::remote_options`).

use std::io::{BufRead as _, IsTerminal as _, Read as _};
use std::sync::Arc;

use base64::Engine as _;
use clap::Args;
use notary::config::NotationConfig;
use notary_registry::RemoteRepository;
use notary_registry::remote::{Credential, DockerConfig, StaticCredential};
use serde_json::{Map, Value};

use crate::config;
use crate::oci::RegistryFlags;
use crate::{CmdResult, Failure};

/// notation's page on registry authentication, named in its warning.
const AUTH_DOC: &str = "https://notaryproject.dev/docs/how-to/registry-authentication/";

#[derive(Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub registry: RegistryFlags,
    /// Take the password from stdin
    #[arg(long = "password-stdin", conflicts_with = "password")]
    pub password_stdin: bool,
    /// The registry: `host[:port]`
    pub server: String,
}

#[derive(Args)]
pub struct LogoutArgs {
    /// The registry: `host[:port]`
    pub server: String,
}

/// A registry name as notation takes it: `host[:port]`, no scheme and no path.
fn check_server(server: &str) -> Result<(), Failure> {
    if server.is_empty() || server.contains('/') || server.contains('@') {
        return Err(Failure::msg(format!(
            "invalid registry {server:?}: give host[:port], without scheme or path"
        )));
    }
    Ok(())
}

/// The key a credential is stored under: `host[:port]`, Docker Hub's legacy index URL for
/// `docker.io` (oras-go's `ServerAddressFromRegistry`, as notation uses it). It is also the
/// `credHelpers` key that picks the helper.
fn server_key(server: &str) -> String {
    DockerConfig::server_address(server).to_string()
}

/// The credential helper configured for `server` in `store`: `credHelpers` under the server's
/// key, else `credsStore` (oras-go's DynamicStore, as the registry commands read them).
/// The helper that keeps `server`'s credential: the one `store` names, else, when `store`
/// configures no credential at all, the platform's store if its helper is installed (notation
/// logs in to it then, rather than writing the password into `config.json`).
fn helper_for(store: &NotationConfig, server: &str) -> Option<String> {
    if let Some(h) = store.credential_helper(&server_key(server)) {
        return Some(h.to_string());
    }
    if store.configures_credentials() {
        return None;
    }
    DockerConfig::new(store.path()).detect_default_store()
}

/// Refuses what `auths` cannot hold: `auth` is `base64(user:password)`, read back split at the
/// first colon, so a user name with a colon would come back wrong (oras-go refuses it too).
fn check_plaintext_username(username: &str) -> Result<(), Failure> {
    if username.contains(':') {
        return Err(Failure::msg(
            "colons (:) are not allowed in the user name when the credential is stored in config.json",
        ));
    }
    Ok(())
}

/// Most bytes of a user name, password or token read from stdin: far more than any registry
/// issues, and a bound on what a runaway pipe (`yes | notary login ...`) makes us hold.
const MAX_STDIN: u64 = 1024 * 1024;

fn too_long() -> Failure {
    Failure::msg(format!(
        "the input on stdin is longer than {MAX_STDIN} bytes"
    ))
}

/// Reads one line (without its line end) from `r`, at most [`MAX_STDIN`] bytes.
fn read_line(r: &mut impl std::io::BufRead) -> Result<String, Failure> {
    Ok(read_line_ended(r)?.0)
}

/// [`read_line`], and whether the line ended with a line end (rather than the input).
fn read_line_ended(r: &mut impl std::io::BufRead) -> Result<(String, bool), Failure> {
    let mut line = String::new();
    r.take(MAX_STDIN.saturating_add(1)).read_line(&mut line)?;
    if line.len() as u64 > MAX_STDIN {
        return Err(too_long());
    }
    let ended = line.ends_with('\n');
    Ok((line.trim_end_matches(['\n', '\r']).to_string(), ended))
}

/// A prompt on stdout, as notation writes it.
fn prompt(text: &str) {
    print!("{text}");
    let _ = std::io::Write::flush(&mut std::io::stdout());
}

/// Reads a password from the terminal without echoing it.
#[cfg(unix)]
fn read_hidden(prompt: &str) -> Result<String, Failure> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    self::prompt(prompt);
    let saved = tcgetattr(&stdin).map_err(|e| Failure::msg(format!("terminal: {e}")))?;
    let mut quiet = saved.clone();
    quiet.local_modes.remove(LocalModes::ECHO);
    tcsetattr(&stdin, OptionalActions::Now, &quiet)
        .map_err(|e| Failure::msg(format!("terminal: {e}")))?;
    let line = read_line(&mut stdin.lock());
    // Echo comes back whatever the read gave.
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    line
}

#[cfg(not(unix))]
fn read_hidden(_prompt: &str) -> Result<String, Failure> {
    Err(Failure::msg(
        "no password given: use --password-stdin, --password or $NOTATION_PASSWORD",
    ))
}

/// The credential to log in with: flags, then `$NOTATION_USERNAME` / `$NOTATION_PASSWORD`,
/// then prompts (hidden on a terminal). An empty user name makes the password an identity
/// token, as in notation.
fn credential(a: &LoginArgs) -> Result<(String, String), Failure> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut username = a
        .registry
        .username
        .clone()
        .or_else(|| env("NOTATION_USERNAME"))
        .unwrap_or_default();
    let mut password = if a.password_stdin {
        let mut all = String::new();
        std::io::stdin()
            .take(MAX_STDIN.saturating_add(1))
            .read_to_string(&mut all)
            .map_err(|e| Failure::msg(format!("reading the password from stdin: {e}")))?;
        if all.len() as u64 > MAX_STDIN {
            return Err(too_long());
        }
        let p = all.strip_suffix('\n').unwrap_or(&all);
        p.strip_suffix('\r').unwrap_or(p).to_string()
    } else {
        a.registry
            .password
            .clone()
            .or_else(|| env("NOTATION_PASSWORD"))
            .unwrap_or_default()
    };
    if password.is_empty() && !a.password_stdin {
        let tty = std::io::stdin().is_terminal();
        if username.is_empty() {
            prompt("Username: ");
            // notation needs the line end: input that stops before it is an error.
            let (name, ended) = read_line_ended(&mut std::io::stdin().lock())?;
            if !ended {
                return Err(Failure::msg("error reading username: EOF"));
            }
            username = name;
        }
        let what = if username.is_empty() {
            "Token"
        } else {
            "Password"
        };
        password = if tty {
            read_hidden(&format!("{what}: "))?
        } else {
            prompt(&format!("{what}: "));
            read_line(&mut std::io::stdin().lock())?
        };
        // notation ends the prompt's line once the password is read, echoed or not.
        println!();
    }
    if password.is_empty() {
        return Err(Failure::msg(if username.is_empty() {
            "token required"
        } else {
            "password required"
        }));
    }
    Ok((username, password))
}

pub fn login(a: LoginArgs) -> CmdResult {
    check_server(&a.server)?;
    let (username, password) = credential(&a)?;
    let credential = if username.is_empty() {
        Credential::RefreshToken(password.clone())
    } else {
        Credential::Basic {
            username: username.clone(),
            password: password.clone(),
        }
    };
    let key = server_key(&a.server);
    let store = crate::notation_dir()?.credentials_file()?;
    let helper = helper_for(&store, &a.server);
    if helper.is_none() {
        check_plaintext_username(&username)?;
    }
    // Validate first: nothing is stored for credentials the registry refuses.
    let mut flags = a.registry.clone();
    flags.username = (!username.is_empty()).then(|| username.clone());
    flags.password = Some(password.clone());
    let mut options = crate::oci::remote_options(&flags, &a.server)?;
    options.credentials = Arc::new(StaticCredential(credential.clone()));
    // The repository plays no part in `GET /v2/`.
    let registry = RemoteRepository::new(&a.server, "notary/login", options)?;
    crate::oci::runtime()?
        .block_on(registry.ping())
        .map_err(|e| {
            Failure::msg(format!(
                "failed to log in to {}: failed to validate the credentials for {}: {e}",
                a.server, a.server
            ))
        })?;

    let path = store.path().to_path_buf();
    if let Some(helper) = helper {
        DockerConfig::new(&path)
            .store_in_helper(&helper, &a.server, &credential)
            .map_err(|e| Failure::msg(format!("failed to log in to {}: {e}", a.server)))?;
    } else {
        // Read again under the lock, after the (slow) validation: another `login` may have
        // written meanwhile, and its entry must be kept. The directory is made now (where the
        // file is notation's) so that a first login can be locked too.
        let dir = config::config_dir()?;
        if path.starts_with(&dir) {
            config::ensure_dir(&dir)?;
        }
        let _lock = config::lock_dir(&dir);
        let store = crate::notation_dir()?.credentials_file()?;
        let path = store.path().to_path_buf();
        let mut cfg = store.into_json();
        let entry = if username.is_empty() {
            serde_json::json!({ "identitytoken": password })
        } else {
            serde_json::json!({
                "auth": base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"))
            })
        };
        let auths = cfg
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(auths) = auths else {
            return Err(Failure::msg(format!(
                "{}: \"auths\" is not a JSON object",
                path.display()
            )));
        };
        auths.insert(key, entry);
        config::write_private(&path, &serde_json::to_vec_pretty(&cfg)?)?;
        eprintln!(
            "Warning: The credentials store is not set up. It is recommended to configure the credentials store to securely store your credentials. See {AUTH_DOC}.\nThe credentials are stored unencrypted in {}.",
            path.display()
        );
    }
    println!("Login Succeeded");
    Ok(())
}

pub fn logout(a: LogoutArgs) -> CmdResult {
    check_server(&a.server)?;
    let key = server_key(&a.server);
    // From the read to the write, as `login`.
    let _lock = config::lock_dir(&config::config_dir()?);
    let store = crate::notation_dir()?.credentials_file()?;
    let path = store.path().to_path_buf();
    let fail = |e: Failure| Failure::msg(format!("failed to log out of {}: {}", a.server, e.0));
    if let Some(helper) = helper_for(&store, &a.server) {
        DockerConfig::new(&path)
            .erase_from_helper(&helper, &a.server)
            .map_err(|e| fail(e.into()))?;
    } else {
        let mut cfg = store.into_json();
        if let Some(Value::Object(auths)) = cfg.get_mut("auths")
            && auths.remove(&key).is_some()
        {
            config::write_private(&path, &serde_json::to_vec_pretty(&cfg)?).map_err(fail)?;
        }
    }
    println!("Logout Succeeded");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_names_and_keys_follow_notation() {
        assert_eq!(server_key("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(
            server_key("registry-1.docker.io"),
            "https://index.docker.io/v1/"
        );
        assert_eq!(server_key("localhost:5000"), "localhost:5000");
        assert!(check_server("https://r.example").is_err());
        assert!(check_server("r.example/repo").is_err());
        assert!(check_server("r.example:5000").is_ok());
    }

    #[test]
    fn the_helper_is_the_one_configured_for_the_server_key() {
        let path = std::path::Path::new("config.json");
        let hub = NotationConfig::from_json(
            path,
            br#"{"credHelpers": {"https://index.docker.io/v1/": "hub", "r.example": "r"}}"#,
        )
        .unwrap();
        assert_eq!(helper_for(&hub, "docker.io"), Some("hub".into()));
        assert_eq!(helper_for(&hub, "registry-1.docker.io"), Some("hub".into()));
        assert_eq!(helper_for(&hub, "r.example"), Some("r".into()));
        assert_eq!(helper_for(&hub, "other.example"), None);
        let all = NotationConfig::from_json(path, br#"{"credsStore": "pass"}"#).unwrap();
        assert_eq!(helper_for(&all, "docker.io"), Some("pass".into()));
        assert!(check_plaintext_username("a:b").is_err());
        assert!(check_plaintext_username("ab").is_ok());
    }
}
