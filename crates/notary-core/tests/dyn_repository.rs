//! A repository held as `&dyn`, `Box<dyn>` or `Arc<dyn DynSignatureRepository>` and used through
//! `SignatureRepository` reaches the implementation (a `Box` or `Arc` once called itself
//! until the stack overflowed).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use notary_core::{
    Descriptor, Digest, DynSignatureRepository, EnvelopeMediaType, FetchedSignature, PushSignature,
    PushedSignature, SignatureRepository,
};

#[derive(Debug)]
struct NotFound(String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} not found", self.0)
    }
}

impl std::error::Error for NotFound {}

/// Knows one artifact and one signature; records every call it receives.
#[derive(Default)]
struct Memory {
    calls: Mutex<Vec<&'static str>>,
}

fn artifact() -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        format!("sha256:{}", "a".repeat(64))
            .parse::<Digest>()
            .unwrap(),
        7,
    )
}

fn signature() -> Descriptor {
    Descriptor::new(
        "application/vnd.oci.image.manifest.v1+json",
        format!("sha256:{}", "b".repeat(64))
            .parse::<Digest>()
            .unwrap(),
        9,
    )
}

impl Memory {
    fn called(&self, what: &'static str) {
        self.calls.lock().unwrap().push(what);
    }
}

impl SignatureRepository for Memory {
    type Error = NotFound;

    async fn resolve(&self, reference: &str) -> Result<Descriptor, NotFound> {
        self.called("resolve");
        if reference == "v1" {
            Ok(artifact())
        } else {
            Err(NotFound(reference.to_string()))
        }
    }

    fn resolve_is_cheap(&self) -> bool {
        self.called("resolve_is_cheap");
        false
    }

    async fn list_signatures(
        &self,
        subject: &Descriptor,
        _limit: usize,
    ) -> Result<Vec<Descriptor>, NotFound> {
        self.called("list_signatures");
        assert_eq!(subject, &artifact());
        Ok(vec![signature()])
    }

    async fn fetch_signature(&self, manifest: &Descriptor) -> Result<FetchedSignature, NotFound> {
        self.called("fetch_signature");
        Ok(FetchedSignature::new(
            manifest.clone(),
            EnvelopeMediaType::Cose,
            b"envelope".to_vec(),
        ))
    }

    async fn push_signature(
        &self,
        request: PushSignature<'_>,
    ) -> Result<PushedSignature, NotFound> {
        self.called("push_signature");
        assert_eq!(request.envelope, b"new");
        Ok(PushedSignature::new(signature(), signature()))
    }

    async fn prepare_push_signature(&self, _subject: Option<&Digest>) {
        self.called("prepare_push_signature");
    }
}

/// Every method of `repository`, through the generic trait as the artifact flows call it.
async fn exercise<R: SignatureRepository + ?Sized>(repository: &R) {
    let subject = repository.resolve("v1").await.unwrap();
    assert_eq!(subject, artifact());
    let missing = repository.resolve("v2").await.unwrap_err().to_string();
    assert_eq!(missing, "v2 not found");
    assert!(!repository.resolve_is_cheap());
    let listed = repository.list_signatures(&subject, 10).await.unwrap();
    assert_eq!(listed, vec![signature()]);
    let fetched = repository.fetch_signature(&listed[0]).await.unwrap();
    assert_eq!(fetched.envelope, b"envelope");
    repository.prepare_push_signature(None).await;
    let pushed = repository
        .push_signature(PushSignature::new(
            &subject,
            EnvelopeMediaType::Cose,
            b"new",
            BTreeMap::new(),
        ))
        .await
        .unwrap();
    assert_eq!(pushed.manifest, signature());
}

const ALL_CALLS: [&str; 7] = [
    "resolve",
    "resolve",
    "resolve_is_cheap",
    "list_signatures",
    "fetch_signature",
    "prepare_push_signature",
    "push_signature",
];

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn a_borrowed_trait_object_reaches_the_implementation() {
    let memory = Memory::default();
    let repository: &dyn DynSignatureRepository = &memory;
    block_on(exercise(repository));
    assert_eq!(*memory.calls.lock().unwrap(), ALL_CALLS);
}

#[test]
fn a_boxed_trait_object_reaches_the_implementation() {
    let repository: Box<dyn DynSignatureRepository> = Box::new(Memory::default());
    block_on(exercise(&repository));
    block_on(exercise(&*repository));
}

#[test]
fn a_shared_trait_object_reaches_the_implementation() {
    let memory = Arc::new(Memory::default());
    let repository: Arc<dyn DynSignatureRepository> = memory.clone();
    block_on(exercise(&repository));
    assert_eq!(*memory.calls.lock().unwrap(), ALL_CALLS);
    // A Box of the Arc: both layers are repositories again.
    let boxed: Box<dyn DynSignatureRepository> = Box::new(repository);
    block_on(exercise(&boxed));
    assert_eq!(memory.calls.lock().unwrap().len(), 2 * ALL_CALLS.len());
    // Two layers of `dyn`, one wrapped error: it still downcasts, and its chain is not repeated.
    let e = block_on(SignatureRepository::resolve(&boxed, "v9")).unwrap_err();
    assert!(e.downcast_ref::<NotFound>().is_some(), "{e:?}");
    let source = std::error::Error::source(&e).unwrap();
    assert_eq!(source.to_string(), "v9 not found");
    assert!(source.source().is_none());
}
