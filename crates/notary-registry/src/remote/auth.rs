//! Answering the registry's authentication challenges: Basic credentials, or bearer tokens
//! fetched from the token server the challenge names. Credentials go only to the registry's
//! origin and to an HTTPS token realm (HTTP only with `plain_http`); `transport` does the
//! origin checks.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;

use base64::Engine as _;
use reqwest::header::{self, HeaderValue};

use super::RemoteRepository;
use super::credentials::Credential;
use super::transport::{error_message, form_encode, http_op, network, read_capped, redact_url};
use crate::error::Error;

/// The access class of registry-level requests (`GET /v2/`): their tokens have no scope.
pub(super) const REGISTRY_CLASS: &str = "registry";

/// What the registry's challenges have taught the client, shared by clones.
#[derive(Default)]
pub(super) struct AuthState {
    /// Set once the registry asked for Basic auth.
    basic: Option<HeaderValue>,
    /// Bearer tokens by access class (`pull`, `push`).
    tokens: HashMap<&'static str, HeaderValue>,
    /// The realm and service of the last bearer challenge answered, for push tokens asked for
    /// ahead of the push ([`RemoteRepository::prepare_push_token`]).
    bearer: Option<(String, Option<String>)>,
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses `Basic realm="x"` or `Bearer realm="...",service="...",scope="..."`.
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut s = rest.trim();
    // A parameter that cannot be read (no `=`, an unterminated quote) ends the list and those
    // before it stand, as oras-go parses it for notation: `Bearer realm="r",error="x",foo`
    // names the realm `r`.
    while !s.is_empty() {
        let Some((key, after)) = s.split_once('=') else {
            break;
        };
        let key = key.trim();
        if key.is_empty() || key.contains([',', ' ', '\t']) {
            break;
        }
        let key = key.to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            // Quoted string; backslash escapes one character.
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(n);
                        }
                    }
                    '"' => {
                        end = i.checked_add(1);
                        break;
                    }
                    c => v.push(c),
                }
            }
            let Some(rest) = end.and_then(|end| q.get(end..)) else {
                break;
            };
            (v, rest)
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.insert(key, value);
        s = next.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge::Bearer {
        realm: params.remove("realm")?,
        service: params.remove("service"),
        scope: params.remove("scope"),
    })
}

/// An `Authorization` value marked sensitive, as reqwest's own `basic_auth` marks it: HTTP/2's
/// HPACK then never indexes it (no compression-oracle recovery of the credential) and `Debug`
/// of the header map does not print it.
fn authorization(value: &str) -> Option<HeaderValue> {
    let mut hv = HeaderValue::from_str(value).ok()?;
    hv.set_sensitive(true);
    Some(hv)
}

impl RemoteRepository {
    pub(super) fn auth_header(&self, class: &'static str) -> Option<HeaderValue> {
        let st = self.inner.auth.lock().unwrap_or_else(|p| p.into_inner());
        st.tokens
            .get(class)
            .or_else(|| {
                if class == "pull" {
                    None
                } else {
                    st.tokens.get("pull")
                }
            })
            .cloned()
            .or_else(|| st.basic.clone())
    }

    pub(super) fn credential(&self) -> Result<Option<Credential>, Error> {
        self.inner
            .options
            .credentials
            .credential(&self.inner.registry)
    }

    fn basic_credential(&self) -> Result<Option<Credential>, Error> {
        self.inner
            .options
            .credentials
            .basic_credential(&self.inner.registry)
    }

    pub(super) fn auth_error(&self, reason: impl Into<String>) -> Error {
        Error::Auth {
            registry: self.inner.registry.clone(),
            reason: reason.into(),
        }
    }

    /// Answers a 401 challenge to a request that carried `sent`: remembers Basic credentials or
    /// fetches a bearer token.
    pub(super) async fn authenticate(
        &self,
        challenge: &str,
        class: &'static str,
        sent: Option<&HeaderValue>,
    ) -> Result<(), Error> {
        let parsed = parse_challenge(challenge)
            .ok_or_else(|| self.auth_error(format!("unsupported challenge {challenge:?}")))?;
        match parsed {
            Challenge::Basic => {
                // The user name and password even where the source also holds a token for
                // bearer challenges (a Docker `auths` entry with both), as oras-go answers.
                let Some(Credential::Basic { username, password }) = self.basic_credential()?
                else {
                    return Err(self.auth_error(
                        "the registry requires a user name and password, and no credentials were given",
                    ));
                };
                let v = base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{password}"));
                let hv = authorization(&format!("Basic {v}"))
                    .ok_or_else(|| self.auth_error("credential has invalid characters"))?;
                self.inner
                    .auth
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .basic = Some(hv);
                Ok(())
            }
            Challenge::Bearer {
                realm,
                service,
                scope,
            } => {
                self.inner
                    .auth
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .bearer = Some((realm.clone(), service.clone()));
                self.answer_bearer(&realm, service.as_deref(), scope, class, sent)
                    .await
            }
        }
    }

    /// Before a push request: a push token from the realm of a bearer challenge already
    /// answered, when there is none yet, as oras-go asks for pull and push at once. A registry
    /// that answers 403 rather than 401 to a token without push access would otherwise refuse
    /// the push outright; elsewhere it saves the 401 round trip. If the token server refuses, the
    /// request meets the registry's challenge as before.
    pub(super) async fn prepare_push_token(&self) {
        let known = {
            let st = self.inner.auth.lock().unwrap_or_else(|p| p.into_inner());
            if st.tokens.contains_key("push") {
                return;
            }
            st.bearer.clone()
        };
        let Some((realm, service)) = known else {
            return;
        };
        let current = self.auth_header("push");
        if let Err(e) = self
            .answer_bearer(&realm, service.as_deref(), None, "push", current.as_ref())
            .await
        {
            tracing::debug!(error = %e, "push token asked for ahead of the push was refused");
        }
    }

    /// Fetches (or takes from the credential) the bearer token of `class` and keeps it, unless
    /// another request's fetch, waited for here, has replaced `sent` (what the refused request
    /// carried) meanwhile: the request is then sent again with that token.
    async fn answer_bearer(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: Option<String>,
        class: &'static str,
        sent: Option<&HeaderValue>,
    ) -> Result<(), Error> {
        let _one_at_a_time = self.inner.token_fetch.lock().await;
        if self.auth_header(class).as_ref() != sent {
            tracing::debug!(class, "bearer token fetched meanwhile by another request");
            return Ok(());
        }
        // A registry-level request (`ping`) asks for a token of no repository scope.
        let scope = scope.unwrap_or_else(|| match class {
            REGISTRY_CLASS => String::new(),
            "push" => format!("repository:{}:pull,push", self.inner.repository),
            _ => format!("repository:{}:pull", self.inner.repository),
        });
        let token = match self.credential()? {
            // Docker's `registrytoken`: the token itself, no token server asked.
            Some(Credential::AccessToken(t)) => {
                tracing::debug!(scope, "bearer challenge answered with the registry token");
                t
            }
            other => self.fetch_token(realm, service, &scope, other).await?,
        };
        let hv = authorization(&format!("Bearer {token}"))
            .ok_or_else(|| self.auth_error("token has invalid characters"))?;
        self.inner
            .auth
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .tokens
            .insert(class, hv);
        Ok(())
    }

    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        credential: Option<Credential>,
    ) -> Result<String, Error> {
        let url = reqwest::Url::parse(realm)
            .map_err(|e| self.auth_error(format!("token realm {realm:?}: {e}")))?;
        match url.scheme() {
            "https" => {}
            "http" if self.inner.options.plain_http => {}
            "http" => {
                return Err(self.auth_error(format!(
                    "token realm {realm:?} is plain HTTP, allowed only for a registry reached over plain HTTP"
                )));
            }
            other => {
                return Err(self.auth_error(format!(
                    "token realm {realm:?}: unsupported protocol scheme {other:?}"
                )));
            }
        }
        // A token is asked for with a GET carrying service and scope, or with a POST of a
        // refresh token (scope and service in its form).
        let mut get_url = url.clone();
        {
            let mut q = get_url.query_pairs_mut();
            if let Some(s) = service {
                q.append_pair("service", s);
            }
            // One `scope` parameter per scope, as the token protocol and oras-go send them (a
            // challenge may name several, space-separated; the OAuth2 POST below joins them).
            for s in scope.split_whitespace() {
                q.append_pair("scope", s);
            }
        }
        let op = match &credential {
            Some(Credential::RefreshToken(_)) => http_op("POST", url.as_str()),
            _ => http_op("GET", get_url.as_str()),
        };
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match &credential {
            Some(Credential::RefreshToken(rt)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                    ("client_id", "notary-rs"),
                ];
                if !scope.is_empty() {
                    form.push(("scope", scope));
                }
                if let Some(s) = service {
                    form.push(("service", s));
                }
                let body = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", form_encode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                self.inner
                    .http
                    .post(url)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
            }
            other => {
                let mut req = self.inner.http.get(get_url);
                if let Some(Credential::Basic { username, password }) = other {
                    req = req.basic_auth(username, Some(password));
                }
                req.send().await
            }
        }
        .map_err(|e| network(&op, &e))?;
        let status = resp.status();
        // The realm, service and scope only: the credential sent and the token received are
        // never logged.
        tracing::debug!(
            realm = %redact_url(realm),
            service,
            scope,
            credential = match &credential {
                Some(Credential::Basic { .. }) => "basic",
                Some(Credential::RefreshToken(_)) => "refresh token",
                Some(Credential::AccessToken(_)) => "registry token",
                None => "anonymous",
            },
            status = status.as_u16(),
            "token request"
        );
        let body = read_capped(resp, 1024 * 1024, &op).await?;
        if !status.is_success() {
            return Err(self.auth_error(format!(
                "token server answered HTTP {}: {}",
                status.as_u16(),
                error_message(&body)
            )));
        }
        // Options: a `null` member reads as absent, as Go's decoder leaves a string unset.
        #[derive(serde::Deserialize)]
        struct Tok {
            #[serde(default)]
            token: Option<String>,
            #[serde(default)]
            access_token: Option<String>,
        }
        // Member names matched as oras-go's decoder matches them: in any case.
        let t: Tok = notary_core::json::from_slice_go(&body, &["token", "access_token"])
            .map_err(|e| self.auth_error(format!("token response: {e}")))?;
        let token = t
            .access_token
            .filter(|t| !t.is_empty())
            .or(t.token)
            .unwrap_or_default();
        if token.is_empty() {
            return Err(self.auth_error("the token server returned no token"));
        }
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        assert_eq!(
            parse_challenge("Basic realm=\"test\""),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:a/b:pull,push".into()),
            })
        );
        // A parameter that cannot be read ends the list; the realm before it stands.
        let bearer = |service: Option<&str>| {
            Some(Challenge::Bearer {
                realm: "https://a.example/t".into(),
                service: service.map(String::from),
                scope: None,
            })
        };
        for header in [
            r#"Bearer realm="https://a.example/t",service="s",error="insufficient_scope",foo"#,
            r#"bearer realm="https://a.example/t", service="s", Negotiate abc=="#,
            r#"Bearer realm="https://a.example/t",service="s",note="unterminated"#,
        ] {
            assert_eq!(parse_challenge(header), bearer(Some("s")), "{header}");
        }
        assert_eq!(
            parse_challenge(r#"Bearer realm="https://a.example/t",foo,service="s""#),
            bearer(None)
        );
        assert_eq!(
            parse_challenge("Bearer foo, realm=\"https://a.example/t\""),
            None
        );
        assert_eq!(parse_challenge("Negotiate abc"), None);
        assert_eq!(parse_challenge("Bearer service=\"x\""), None);
        assert_eq!(parse_challenge("Bearer realm=\"unterminated"), None);
    }

    /// A token server on loopback that answers one request with `{"token":"t0k3n"}`.
    fn token_server() -> String {
        token_server_answering(br#"{"token":"t0k3n"}"#)
    }

    /// A token server on loopback that answers one request with `body`.
    fn token_server_answering(body: &'static [u8]) -> String {
        token_server_recording(body).0
    }

    /// [`token_server_answering`], also sending on the channel the request head it read.
    fn token_server_recording(body: &'static [u8]) -> (String, std::sync::mpsc::Receiver<String>) {
        use std::io::{Read as _, Write as _};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut head = Vec::new();
            let mut b = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap() == 1 {
                head.push(b[0]);
            }
            let _ = tx.send(String::from_utf8_lossy(&head).into_owned());
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(body);
        });
        (format!("http://{addr}/token"), rx)
    }

    /// A client of a (never reached) plain-HTTP registry holding user `u`, password `p`.
    fn client_with_password() -> RemoteRepository {
        let options = crate::remote::RemoteOptions {
            plain_http: true,
            credentials: std::sync::Arc::new(crate::remote::StaticCredential(Credential::Basic {
                username: "u".into(),
                password: "p".into(),
            })),
            ..crate::remote::RemoteOptions::default()
        };
        RemoteRepository::new("127.0.0.1:1", "app", options).unwrap()
    }

    #[tokio::test]
    async fn each_scope_of_a_challenge_is_its_own_parameter() {
        let r = client_with_password();
        let (realm, head) = token_server_recording(br#"{"token":"t0k3n"}"#);
        r.authenticate(
            &format!(
                r#"Bearer realm="{realm}",service="reg",scope="repository:a:pull repository:b:pull,push""#
            ),
            "pull",
            None,
        )
        .await
        .unwrap();
        let line = head.recv().unwrap();
        let line = line.lines().next().unwrap();
        assert_eq!(
            line,
            "GET /token?service=reg&scope=repository%3Aa%3Apull&scope=repository%3Ab%3Apull%2Cpush HTTP/1.1"
        );
    }

    #[tokio::test]
    async fn authorization_values_are_marked_sensitive() {
        let r = client_with_password();
        r.authenticate("Basic realm=\"r\"", "pull", None)
            .await
            .unwrap();
        assert!(r.auth_header("pull").unwrap().is_sensitive(), "Basic");

        let r = client_with_password();
        let challenge = format!("Bearer realm=\"{}\",service=\"s\"", token_server());
        r.authenticate(&challenge, "pull", None).await.unwrap();
        let h = r.auth_header("pull").unwrap();
        assert_eq!(h.as_bytes(), b"Bearer t0k3n");
        assert!(h.is_sensitive(), "Bearer");
    }

    #[tokio::test]
    async fn a_null_token_member_reads_as_absent() {
        for body in [
            &br#"{"token":null,"access_token":"t0k3n"}"#[..],
            br#"{"token":"t0k3n","access_token":null}"#,
        ] {
            let r = client_with_password();
            let realm = token_server_answering(body);
            r.authenticate(&format!("Bearer realm=\"{realm}\""), "pull", None)
                .await
                .unwrap();
            assert_eq!(r.auth_header("pull").unwrap().as_bytes(), b"Bearer t0k3n");
        }
    }
}
