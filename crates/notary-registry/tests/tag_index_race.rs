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
fn a_read_ahead_does_not_wait_out_another_clients_update() {
    let reg = registry::Registry::start(registry::Kind::Distribution2, &Default::default());
    let rt = registry::rt();
    let subject = rt.block_on(registry::push_artifact(&reg.repo("app"), "v1", b"payload"));
    let mut o = reg.remote_options();
    o.force_referrers_tag = true;
    let repo = RemoteRepository::new(&reg.host, "app", o).unwrap();
    let (host, port) = reg.host.rsplit_once(':').unwrap();
    let lock = notary_registry::tag_index_lock(host, port.parse().unwrap(), "app");
    // Another client of the repository in this process holds the lock for its whole update
    // (a slow registry, confirmed writes): preparing a push must not wait for it.
    let guard = rt.block_on(lock.lock());
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
    drop(guard);
    // The push then reads the index under the lock and lists its signature with the earlier one.
    let push = |envelope: &'static [u8]| {
        rt.block_on(repo.push_signature(PushSignature::new(
            &subject,
            EnvelopeMediaType::Jws,
            envelope,
            BTreeMap::new(),
        )))
        .unwrap()
    };
    let first = push(b"{\"first\":1}");
    let second = push(b"{\"second\":1}");
    let listed: Vec<String> = rt
        .block_on(reg.repo("app").list_signatures(&subject, 100))
        .unwrap()
        .iter()
        .map(|d| d.digest.to_string())
        .collect();
    for p in [&first, &second] {
        assert!(
            listed.contains(&p.manifest.digest.to_string()),
            "{} is not listed: {listed:?}",
            p.manifest.digest
        );
    }
}
