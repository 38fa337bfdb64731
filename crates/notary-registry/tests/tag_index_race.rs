//! The referrers tag schema has no atomic update, so a tag index read ahead of a signature
//! push (`prepare_push_signature`) must not outlive the moment: a signature another writer
//! added since would be lost by a write based on the old read. Against a real docker-registry.

#[path = "../../../tests/support/registry.rs"]
mod registry;

use std::collections::BTreeMap;
use std::time::Duration;

use notary_core::{EnvelopeMediaType, PushSignature, SignatureRepository};
use notary_registry::RemoteRepository;

#[test]
fn a_signature_pushed_while_another_signer_was_slow_stays_listed() {
    let reg = registry::Registry::start(registry::Kind::Distribution2, &Default::default());
    let rt = registry::rt();
    let subject = rt.block_on(registry::push_artifact(&reg.repo("app"), "v1", b"payload"));
    let mut o = reg.remote_options();
    o.force_referrers_tag = true;
    let a = RemoteRepository::new(&reg.host, "app", o.clone()).unwrap();
    let b = RemoteRepository::new(&reg.host, "app", o).unwrap();
    let push = |repo: &RemoteRepository, envelope: &'static [u8]| {
        rt.block_on(repo.push_signature(PushSignature::new(
            &subject,
            EnvelopeMediaType::Jws,
            envelope,
            BTreeMap::new(),
        )))
        .unwrap()
    };
    // Signer A reads ahead, then takes its time (a plugin, a KMS, a TSA); signer B pushes.
    rt.block_on(a.prepare_push_signature(Some(&subject.digest)));
    std::thread::sleep(Duration::from_millis(1300));
    let pushed_b = push(&b, b"{\"b\":1}");
    let pushed_a = push(&a, b"{\"a\":1}");
    let listed: Vec<String> = rt
        .block_on(reg.repo("app").list_signatures(&subject, 100))
        .unwrap()
        .iter()
        .map(|d| d.digest.to_string())
        .collect();
    for (who, p) in [("A", &pushed_a), ("B", &pushed_b)] {
        assert!(
            listed.contains(&p.manifest.digest.to_string()),
            "{who}'s signature is not listed: {listed:?}"
        );
    }
}

#[test]
fn a_read_ahead_does_not_wait_out_another_clients_update_nor_miss_its_write() {
    let reg = registry::Registry::start(registry::Kind::Distribution2, &Default::default());
    let rt = registry::rt();
    let subject = rt.block_on(registry::push_artifact(&reg.repo("app"), "v1", b"payload"));
    let mut o = reg.remote_options();
    o.force_referrers_tag = true;
    let repo = RemoteRepository::new(&reg.host, "app", o).unwrap();
    let tag = notary_registry::remote::referrers_tag(&subject.digest);
    let (host, port) = reg.host.rsplit_once(':').unwrap();
    let lock = notary_registry::tag_index_lock(host, port.parse().unwrap(), "app");
    // Another client of the repository in this process is updating the index: it holds the
    // lock and has counted its write, which has not reached the registry yet.
    let mut guard = rt.block_on(lock.lock());
    notary_registry::count_tag_index_write(&mut guard, &tag);
    // Preparing a push neither waits for it nor reads an index the write is about to change.
    let prepared = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(5),
            repo.prepare_push_signature(Some(&subject.digest)),
        )
        .await
    });
    assert!(
        prepared.is_ok(),
        "preparing a push waited for another client's tag index update"
    );
    // The other client's write lands (an entry of its own), then it lets go.
    let theirs = rt.block_on(registry::push_artifact(&reg.repo("app"), "theirs", b"sig"));
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": theirs.media_type,
            "digest": theirs.digest,
            "size": theirs.size,
            "artifactType": notary_core::SIGNATURE_ARTIFACT_TYPE,
        }],
    }))
    .unwrap();
    rt.block_on(reg.repo("app").push_manifest(
        "application/vnd.oci.image.index.v1+json",
        &index,
        Some(&tag),
    ))
    .unwrap();
    drop(guard);
    // The push reads the index under the lock: the other client's entry stays listed.
    let ours = rt
        .block_on(repo.push_signature(PushSignature::new(
            &subject,
            EnvelopeMediaType::Jws,
            b"{\"ours\":1}",
            BTreeMap::new(),
        )))
        .unwrap();
    let listed: Vec<String> = rt
        .block_on(reg.repo("app").list_signatures(&subject, 100))
        .unwrap()
        .iter()
        .map(|d| d.digest.to_string())
        .collect();
    for d in [&ours.manifest.digest, &theirs.digest] {
        assert!(
            listed.contains(&d.to_string()),
            "{d} is not listed: {listed:?}"
        );
    }
}
