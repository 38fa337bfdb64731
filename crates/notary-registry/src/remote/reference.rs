//! Registry references: `registry/repository[:tag][@digest]`, as notation takes them.

use std::fmt;

use notary_core::{Digest, DigestAlgorithm};

use crate::error::Error;

/// A parsed registry reference. The registry host is required (notation does not guess
/// `docker.io`), and a reference names either a tag or a digest (a digest wins when both are
/// given, as in `host/repo:tag@sha256:...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteReference {
    /// Registry host, with port when given (`localhost:5000`).
    pub registry: String,
    /// Repository path (`team/app`).
    pub repository: String,
    /// The tag, if the reference has one and no digest.
    pub tag: Option<String>,
    /// The digest, if the reference has one.
    pub digest: Option<Digest>,
}

fn bad(reference: &str, reason: impl Into<String>) -> Error {
    Error::InvalidReference {
        reference: reference.to_string(),
        reason: reason.into(),
    }
}

fn valid_tag(tag: &str) -> bool {
    // [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}
    let b = tag.as_bytes();
    b.len() <= 128
        && b.first()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

/// Why go-digest refuses `d` (a digest that notary_core's parser refused), in its words,
/// which notation prints.
fn go_digest_reason(d: &str) -> &'static str {
    const FORMAT: &str = "invalid checksum digest format";
    let Some((alg, encoded)) = d
        .split_once(':')
        .filter(|(a, e)| !a.is_empty() && !e.is_empty())
    else {
        return FORMAT;
    };
    match DigestAlgorithm::from_name(alg) {
        // go-digest's grammar: algorithm components of [a-z0-9] joined by one of `+._-`, an
        // encoded part of [a-zA-Z0-9=_-].
        None => {
            let alg_ok = alg.split(['+', '.', '_', '-']).all(|c| {
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
            let enc_ok = encoded
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
            if alg_ok && enc_ok {
                "unsupported digest algorithm"
            } else {
                FORMAT
            }
        }
        Some(a) if a.output_len().checked_mul(2) != Some(encoded.len()) => {
            "invalid checksum digest length"
        }
        Some(_) => FORMAT,
    }
}

/// Whether `registry` (`host:port`, as written in a reference) is `localhost` with a port,
/// which notation speaks to over plain HTTP without being told. Bare `localhost` is not: notation
/// splits host and port and, finding no port, keeps HTTPS (port 443), so credentials never go
/// out in the clear to a port no one named.
///
/// ```
/// use notary_registry::remote::is_localhost;
/// assert!(is_localhost("localhost:5000"));
/// assert!(!is_localhost("localhost"));
/// assert!(!is_localhost("localhost.example:5000"));
/// ```
pub fn is_localhost(registry: &str) -> bool {
    registry
        .rsplit_once(':')
        .is_some_and(|(host, _)| host == "localhost")
}

impl RemoteReference {
    /// Parses `registry/repository:tag`, `registry/repository@digest` or
    /// `registry/repository:tag@digest`.
    ///
    /// A refused reference is an [`Error::InvalidReference`] whose reason uses the words of
    /// oras-go's parser, which notation reports: `missing registry or repository`,
    /// `invalid registry "..."`, `invalid repository "..."`, `invalid tag "..."`,
    /// `invalid digest "...": ...`, and `no tag or digest` (notation's own check, since
    /// signatures hang off a tag or digest).
    ///
    /// ```
    /// use notary_registry::{Error, remote::RemoteReference};
    /// let r = RemoteReference::parse("localhost:5000/team/app:v1").unwrap();
    /// assert_eq!((r.registry.as_str(), r.tag.as_deref()), ("localhost:5000", Some("v1")));
    /// let Err(Error::InvalidReference { reason, .. }) = RemoteReference::parse("app:v1") else {
    ///     panic!("no registry")
    /// };
    /// assert_eq!(reason, "missing registry or repository");
    /// ```
    pub fn parse(reference: &str) -> Result<Self, Error> {
        // The forms and the order of checks of oras-go's ParseReference: a tag before a digest
        // is dropped unread, an empty tag or digest is no tag or digest.
        let (registry, path) = reference
            .split_once('/')
            .ok_or_else(|| bad(reference, "missing registry or repository"))?;
        if notary_trustpolicy::canonical_registry(registry).is_err() {
            return Err(bad(reference, format!("invalid registry {registry:?}")));
        }
        let (repository, tag, digest) = match path.split_once('@') {
            Some((name, d)) => (name.split(':').next().unwrap_or(name), None, Some(d)),
            None => match path.split_once(':') {
                Some((name, t)) => (name, Some(t), None),
                None => (path, None, None),
            },
        };
        // Repository syntax (`invalid repository "..."`) and the 255-byte name limit of the
        // distribution spec, checked by the same code that matches trust policy scopes.
        notary_trustpolicy::canonical_reference_name(&format!("{registry}/{repository}")).map_err(
            |e| match e {
                notary_trustpolicy::Error::InvalidReference { reason, .. } => {
                    bad(reference, reason)
                }
                other => bad(reference, other.to_string()),
            },
        )?;
        let (tag, digest) = match (
            tag.filter(|t| !t.is_empty()),
            digest.filter(|d| !d.is_empty()),
        ) {
            (None, None) => return Err(bad(reference, "no tag or digest")),
            (Some(t), _) if !valid_tag(t) => {
                return Err(bad(reference, format!("invalid tag {t:?}")));
            }
            (t, None) => (t, None),
            (_, Some(d)) => match d.parse::<Digest>() {
                Ok(d) => (None, Some(d)),
                Err(_) => {
                    return Err(bad(
                        reference,
                        format!("invalid digest {d:?}: {}", go_digest_reason(d)),
                    ));
                }
            },
        };
        Ok(Self {
            registry: registry.to_string(),
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
            digest,
        })
    }

    /// The tag or digest as it appears in URLs.
    pub fn object(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        }
    }

    /// `registry/repository` in canonical form (lowercase host, no `:443`, RFC 5952 IPv6
    /// literal), the scope a trust policy matches: `REGISTRY.EXAMPLE:443/app` and
    /// `registry.example/app` are one scope. The `registry` field keeps the host as given, for
    /// connecting.
    pub fn scope(&self) -> String {
        let registry = notary_trustpolicy::canonical_registry(&self.registry)
            .unwrap_or_else(|_| self.registry.clone());
        format!("{registry}/{}", self.repository)
    }

    /// Whether `other` names the same repository (registry compared in canonical form).
    pub fn same_repository(&self, other: &RemoteReference) -> bool {
        self.scope() == other.scope()
    }

    /// The same repository at `digest`.
    pub fn with_digest(&self, digest: Digest) -> Self {
        Self {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            tag: None,
            digest: Some(digest),
        }
    }
}

impl fmt::Display for RemoteReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.digest, &self.tag) {
            (Some(d), _) => write!(f, "{}/{}@{d}", self.registry, self.repository),
            (None, Some(t)) => write!(f, "{}/{}:{t}", self.registry, self.repository),
            (None, None) => write!(f, "{}/{}", self.registry, self.repository),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_and_digests() {
        let r = RemoteReference::parse("localhost:5000/team/app:v1").unwrap();
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.repository, "team/app");
        assert_eq!(r.tag.as_deref(), Some("v1"));
        assert_eq!(r.to_string(), "localhost:5000/team/app:v1");
        let d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        let r = RemoteReference::parse(&format!("127.0.0.1:80/app:v1@{d}")).unwrap();
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.as_ref().unwrap().to_string(), d);
        assert_eq!(r.scope(), "127.0.0.1:80/app");
        // As oras-go: a tag before a digest is dropped unread.
        let r = RemoteReference::parse(&format!("127.0.0.1:80/app:-not-a-tag@{d}")).unwrap();
        assert_eq!((r.repository.as_str(), r.tag.as_ref()), ("app", None));
        assert_eq!(r.digest.as_ref().unwrap().to_string(), d);
    }

    #[test]
    fn scopes_are_canonical() {
        let d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        for (r, scope) in [
            ("REGISTRY.EXAMPLE/app", "registry.example/app"),
            ("registry.example:443/app", "registry.example/app"),
            ("Registry.Example:443/team/app", "registry.example/team/app"),
            ("registry.example:80/app", "registry.example:80/app"),
            ("[0:0::1]:5000/app", "[::1]:5000/app"),
        ] {
            let parsed = RemoteReference::parse(&format!("{r}@{d}")).unwrap();
            assert_eq!(parsed.scope(), scope, "{r}");
            // The host the client connects to is the one given.
            assert_eq!(format!("{}/{}", parsed.registry, parsed.repository), r);
        }
    }

    #[test]
    fn rejects_repositories_the_distribution_spec_refuses() {
        for r in [
            "r.example/a._b:v1",
            "r.example/a.-b:v1",
            "r.example/a-.b:v1",
            "r.example/a_-b:v1",
            "r.example/a___b:v1",
            "r.example/a/:v1",
            "[::1:5000/app:v1",
            "-r.example/app:v1",
        ] {
            assert!(
                matches!(
                    RemoteReference::parse(r),
                    Err(Error::InvalidReference { .. })
                ),
                "{r}"
            );
        }
        // 255 bytes of registry/repository at most.
        let name = format!("r.example/{}", "a".repeat(245));
        assert_eq!(name.len(), 255);
        assert!(RemoteReference::parse(&format!("{name}:v1")).is_ok());
        assert!(matches!(
            RemoteReference::parse(&format!("{name}a:v1")),
            Err(Error::InvalidReference { .. })
        ));
    }

    #[test]
    fn reasons_use_notations_words() {
        let d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
        for (r, want) in [
            ("app:v1", "missing registry or repository".to_string()),
            ("localhost:5000/app", "no tag or digest".to_string()),
            ("/app:v1", "invalid registry \"\"".to_string()),
            (
                "localhost:x/app:v1",
                "invalid registry \"localhost:x\"".to_string(),
            ),
            (
                "localhost:5000/App:v1",
                "invalid repository \"App\": ".to_string(),
            ),
            (
                "localhost:5000/:v1",
                "invalid repository \"\": ".to_string(),
            ),
            (
                "localhost:5000/app:-bad",
                "invalid tag \"-bad\"".to_string(),
            ),
            (
                "localhost:5000/app@sha256:zz",
                "invalid digest \"sha256:zz\": invalid checksum digest length".to_string(),
            ),
            (
                &format!("localhost:5000/app@md5:{}", &d[7..]),
                "invalid digest \"md5:".to_string(),
            ),
            (
                "localhost:5000/app@md5:abab",
                "invalid digest \"md5:abab\": unsupported digest algorithm".to_string(),
            ),
            (
                "localhost:5000/app@SHA256:abab",
                "invalid digest \"SHA256:abab\": invalid checksum digest format".to_string(),
            ),
            (
                &format!("localhost:5000/app@sha256:{}", d[7..].to_uppercase()),
                "invalid digest \"sha256:".to_string(),
            ),
            (
                "localhost:5000/app@sha256",
                "invalid digest \"sha256\": invalid checksum digest format".to_string(),
            ),
            ("localhost:5000/app:", "no tag or digest".to_string()),
            ("localhost:5000/app@", "no tag or digest".to_string()),
            ("localhost:5000/app:v1@", "no tag or digest".to_string()),
            (
                "localhost:5000/a:b/c:v1",
                "invalid tag \"b/c:v1\"".to_string(),
            ),
        ] {
            match RemoteReference::parse(r) {
                Err(Error::InvalidReference { reference, reason }) => {
                    assert_eq!(reference, r);
                    assert!(reason.starts_with(&want), "{r}: {reason}");
                }
                other => panic!("{r}: {other:?}"),
            }
        }
    }

    #[test]
    fn rejects_bad_references() {
        for r in [
            "app:v1",
            "localhost:5000/App:v1",
            "localhost:5000/app",
            "localhost:5000/app:-bad",
            "localhost:x/app:v1",
            "localhost:5000/app@sha256:zz",
            "localhost:5000//app:v1",
        ] {
            assert!(
                matches!(
                    RemoteReference::parse(r),
                    Err(Error::InvalidReference { .. })
                ),
                "{r}"
            );
        }
    }
}
