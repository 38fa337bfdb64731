//! Image references as Kubernetes writes them (`nginx`, `nginx:1.27`, `ghcr.io/o/app@sha256:...`),
//! normalised like the container runtimes do and canonicalised like the trust policy scope
//! matcher does, so `NGINX`-style host case, `:443` and Docker Hub short names all land on the
//! scope a policy names.

use notary_core::Digest;

/// Docker Hub, as references and trust policy scopes name it.
pub const DOCKER_HUB: &str = "docker.io";
/// The host that serves Docker Hub's registry API.
pub const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";

/// A parsed, canonical image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageReference {
    /// The registry in canonical form (lowercase host, no `:443`, `docker.io` for Docker Hub).
    pub registry: String,
    /// The repository path (`library/nginx` for Docker Hub's official images).
    pub repository: String,
    /// The tag (`latest` when the reference names neither a tag nor a digest), unless a digest
    /// is given.
    pub tag: Option<String>,
    /// The digest, if the reference pins one.
    pub digest: Option<Digest>,
}

fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    b.len() <= 128
        && b.first()
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(c))
}

impl ImageReference {
    /// Parses a container image reference. The first path component is a registry when it has
    /// a `.` or `:` or is `localhost` (the runtimes' rule); otherwise the image is on Docker Hub,
    /// and a one-component name is an official image under `library/`.
    pub fn parse(image: &str) -> Result<Self, String> {
        let bad = |reason: &str| format!("invalid image reference {image:?}: {reason}");
        let (name_tag, digest) = match image.split_once('@') {
            Some((n, d)) => (
                n,
                Some(d.parse::<Digest>().map_err(|e| bad(&e.to_string()))?),
            ),
            None => (image, None),
        };
        let (registry, path) = match name_tag.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first, rest)
            }
            _ => (DOCKER_HUB, name_tag),
        };
        let (path, tag) = match path.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') => (p, Some(t)),
            _ => (path, None),
        };
        if let Some(t) = tag
            && !valid_tag(t)
        {
            return Err(bad(&format!("invalid tag {t:?}")));
        }
        let mut registry = notary_trustpolicy::canonical_registry(registry)
            .map_err(|_| bad(&format!("invalid registry host {registry:?}")))?;
        if registry == "index.docker.io" {
            registry = DOCKER_HUB.to_string();
        }
        let path = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        let scope = notary_trustpolicy::canonical_reference_name(&format!("{registry}/{path}"))
            .map_err(|e| bad(&e.to_string()))?;
        let repository = scope
            .split_once('/')
            .map(|(_, r)| r.to_string())
            .unwrap_or(path);
        let tag = match (&digest, tag) {
            (Some(_), _) => None,
            (None, Some(t)) => Some(t.to_string()),
            (None, None) => Some("latest".to_string()),
        };
        Ok(Self {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// `registry/repository`: the scope trust policies match.
    pub fn scope(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The host to connect to (Docker Hub's API lives on another host than its name).
    pub fn connect_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_API_HOST
        } else {
            &self.registry
        }
    }

    /// The canonical reference pinned to `digest`.
    pub fn pinned(&self, digest: &Digest) -> String {
        format!("{}@{digest}", self.scope())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn p(s: &str) -> ImageReference {
        ImageReference::parse(s).unwrap()
    }

    #[test]
    fn docker_hub_defaults() {
        let r = p("nginx");
        assert_eq!(r.scope(), "docker.io/library/nginx");
        assert_eq!(r.tag.as_deref(), Some("latest"));
        assert_eq!(r.connect_host(), DOCKER_HUB_API_HOST);
        assert_eq!(p("nginx:1.27").tag.as_deref(), Some("1.27"));
        assert_eq!(p("bitnami/redis:7").scope(), "docker.io/bitnami/redis");
        assert_eq!(
            p("index.docker.io/nginx").scope(),
            "docker.io/library/nginx"
        );
        assert_eq!(
            p("docker.io/library/nginx").scope(),
            "docker.io/library/nginx"
        );
    }

    #[test]
    fn registry_case_and_default_port_are_canonicalised() {
        assert_eq!(
            p("Registry.Example:443/team/app:v1").scope(),
            "registry.example/team/app"
        );
        assert_eq!(p("localhost:5000/app:v1").scope(), "localhost:5000/app");
        assert_eq!(p("localhost/app").scope(), "localhost/app");
        assert_eq!(p("127.0.0.1:5000/a/b").connect_host(), "127.0.0.1:5000");
    }

    #[test]
    fn digests_win_over_tags() {
        let r = p(&format!("ghcr.io/o/app:v1@{D}"));
        assert_eq!(r.tag, None);
        assert_eq!(
            r.digest.as_ref().map(ToString::to_string).as_deref(),
            Some(D)
        );
        assert_eq!(
            r.pinned(r.digest.as_ref().unwrap()),
            format!("ghcr.io/o/app@{D}")
        );
    }

    #[test]
    fn invalid_references_are_refused() {
        for bad in [
            "",
            "UPPER/app",
            "ghcr.io/o/app@sha256:short",
            "ghcr.io/o/app:bad tag",
            "ghcr.io/o/App",
            "bad host!/app",
        ] {
            assert!(ImageReference::parse(bad).is_err(), "{bad:?}");
        }
    }
}
