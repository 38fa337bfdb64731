//! The admission webhook behind a real Kubernetes API server: etcd and kube-apiserver (built
//! from the Go module proxy by scripts/install-go-tools.sh) run on loopback with no nodes, a
//! `ValidatingWebhookConfiguration` points at the webhook binary, and Pods, Deployments and a
//! CronJob are created through the REST API. Admission happens inside the API server, so this
//! is the path a cluster takes: signed images are admitted, unsigned, untrusted and tampered
//! ones are refused with the webhook's message in the API server's 403, an image update of a
//! Deployment (UPDATE) is checked, an unsigned image volume behind a signed container is
//! refused, and `dryRun=All` is verified without storing anything.
//! A missing etcd or kube-apiserver fails the test (see ../shared/infra/kubernetes.md).

#[allow(clippy::duplicate_mod)]
#[path = "support/admission.rs"]
mod admission;
#[path = "support/registry.rs"]
mod registry;
#[path = "support/trust.rs"]
mod trust;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use admission::{images, metric, notation_dir, rt, server_cert, start_webhook};
use base64::Engine;
use registry::{run, tool};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_notary-admission-webhook");
const WEBHOOK_NAME: &str = "images.notary-admission.test";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// etcd + kube-apiserver on loopback; the API server is stopped before etcd (it ignores
/// SIGTERM while etcd is gone).
struct Cluster {
    api: Child,
    etcd: Child,
    url: String,
    token: String,
    ca: PathBuf,
    dir: PathBuf,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.api.kill();
        let _ = self.api.wait();
        let _ = self.etcd.kill();
        let _ = self.etcd.wait();
    }
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn start_cluster(dir: &Path) -> Cluster {
    let (etcd_bin, api_bin) = (tool("etcd"), tool("kube-apiserver"));
    let (ca, cert, key) = server_cert(dir, "apiserver");
    run(Command::new("openssl")
        .args(["genrsa", "-out"])
        .arg(dir.join("sa.key"))
        .arg("2048"));
    run(Command::new("openssl")
        .args(["rsa", "-pubout", "-in"])
        .arg(dir.join("sa.key"))
        .arg("-out")
        .arg(dir.join("sa.pub")));
    let token = format!("{:032x}", rand_u128());
    std::fs::write(
        dir.join("tokens.csv"),
        format!("{token},admin,admin-uid,\"system:masters\"\n"),
    )
    .unwrap();
    let (ec, ep, ap) = (free_port(), free_port(), free_port());
    let log = |n: &str| std::fs::File::create(dir.join(n)).unwrap();
    let etcd = Command::new(etcd_bin)
        .args(["--name", "test", "--log-level", "warn", "--unsafe-no-fsync"])
        .arg("--data-dir")
        .arg(dir.join("etcd-data"))
        .arg(format!("--listen-client-urls=http://127.0.0.1:{ec}"))
        .arg(format!("--advertise-client-urls=http://127.0.0.1:{ec}"))
        .arg(format!("--listen-peer-urls=http://127.0.0.1:{ep}"))
        .arg(format!(
            "--initial-advertise-peer-urls=http://127.0.0.1:{ep}"
        ))
        .arg(format!("--initial-cluster=test=http://127.0.0.1:{ep}"))
        .stdout(Stdio::null())
        .stderr(log("etcd.log"))
        .spawn()
        .unwrap();
    let p = |n: &str| dir.join(n).display().to_string();
    let api = Command::new(api_bin)
        .arg(format!("--etcd-servers=http://127.0.0.1:{ec}"))
        .args(["--bind-address=127.0.0.1", "--advertise-address=127.0.0.1"])
        .arg(format!("--secure-port={ap}"))
        .arg("--endpoint-reconciler-type=none")
        .arg(format!("--tls-cert-file={}", cert.display()))
        .arg(format!("--tls-private-key-file={}", key.display()))
        .arg(format!("--cert-dir={}", p("certs")))
        .arg("--service-account-issuer=https://kubernetes.default.svc")
        .arg(format!("--service-account-key-file={}", p("sa.pub")))
        .arg(format!(
            "--service-account-signing-key-file={}",
            p("sa.key")
        ))
        .arg(format!("--token-auth-file={}", p("tokens.csv")))
        .arg("--authorization-mode=AlwaysAllow")
        .arg("--service-cluster-ip-range=10.0.0.0/24")
        .stdout(Stdio::null())
        .stderr(log("apiserver.log"))
        .spawn()
        .unwrap();
    let mut cluster = Cluster {
        api,
        etcd,
        url: format!("https://127.0.0.1:{ap}"),
        token,
        ca,
        dir: dir.to_path_buf(),
    };
    let client = cluster.client();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let ready = rt().block_on(async {
            client
                .get(format!("{}/readyz", cluster.url))
                .bearer_auth(&cluster.token)
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        });
        if ready {
            break;
        }
        if let Ok(Some(status)) = cluster.api.try_wait() {
            panic!(
                "kube-apiserver exited ({status}):\n{}",
                log_tail(&cluster.dir.join("apiserver.log"))
            );
        }
        assert!(
            Instant::now() < deadline,
            "kube-apiserver not ready after 90 s:\n{}\netcd:\n{}",
            log_tail(&cluster.dir.join("apiserver.log")),
            log_tail(&cluster.dir.join("etcd.log"))
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster
}

fn rand_u128() -> u128 {
    // Unique enough for a throwaway token; no RNG crate needed.
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    t ^ (u128::from(std::process::id()) << 64)
}

impl Cluster {
    fn client(&self) -> reqwest::Client {
        admission::client(&self.ca)
    }
}

/// One API call: (status, body, `Warning` headers).
async fn call(
    c: &reqwest::Client,
    cluster: &Cluster,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value, Vec<String>) {
    let mut req = c
        .request(method, format!("{}{path}", cluster.url))
        .bearer_auth(&cluster.token)
        .header("content-type", "application/json");
    if let Some(b) = body {
        req = req.body(serde_json::to_vec(b).unwrap());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let warnings = resp
        .headers()
        .get_all("warning")
        .iter()
        .map(|v| v.to_str().unwrap_or("").to_string())
        .collect();
    let bytes = resp.bytes().await.unwrap();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v, warnings)
}

fn pod(name: &str, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
           "spec": {"containers": [{"name": "app", "image": image}]}})
}

fn deployment(name: &str, image: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                    "template": {"metadata": {"labels": {"app": name}},
                                 "spec": {"containers": [{"name": "app", "image": image}]}}}})
}

const PODS: &str = "/api/v1/namespaces/default/pods";
const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";

#[test]
fn the_api_server_admits_signed_images_and_refuses_the_rest() {
    let rt = rt();
    let imgs = images(&rt, 0);
    let dir = tempfile::tempdir().unwrap();
    let notation = notation_dir(dir.path(), imgs.host(), &imgs.trusted);
    // Mounted as a ConfigMap: symbolic links, which notation's own readers refuse.
    admission::as_configmap_volume(&notation);
    assert!(
        std::fs::symlink_metadata(notation.join("trustpolicy.oci.json"))
            .unwrap()
            .is_symlink()
    );
    let (webhook_ca, cert, key) = server_cert(dir.path(), "webhook");
    let hook = start_webhook(BIN, &notation, &cert, &key, &["--plain-http", imgs.host()]);
    let cluster = start_cluster(&dir.path().join("cluster").tap_mkdir());
    let c = cluster.client();
    let api = |m: reqwest::Method, path: &str, body: Option<Value>| {
        let (c, cluster) = (&c, &cluster);
        let path = path.to_string();
        async move { call(c, cluster, m, &path, body.as_ref()).await }
    };
    use reqwest::Method;
    rt.block_on(async {
        // No controller-manager creates the default ServiceAccount that Pod admission needs.
        let (s, b, _) = api(
            Method::POST,
            "/api/v1/namespaces/default/serviceaccounts",
            Some(json!({"metadata": {"name": "default"}})),
        )
        .await;
        assert!(s == 201 || s == 409, "{s} {b}");
        // The example manifest set is valid for this API server (server-side dry run, before
        // any webhook is registered).
        let (s, b, _) = api(
            Method::POST,
            "/api/v1/namespaces",
            Some(json!({"metadata": {"name": "notary-admission"}})),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let kubeconfig = cluster.dir.join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters: [{{name: t, cluster: {{server: \"{}\", certificate-authority: {}}}}}]\nusers: [{{name: a, user: {{token: {}}}}}]\ncontexts: [{{name: t, context: {{cluster: t, user: a}}}}]\ncurrent-context: t\n",
                cluster.url,
                cluster.ca.display(),
                cluster.token
            ),
        )
        .unwrap();
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/admission");
        let out = Command::new(tool("kubectl"))
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["apply", "--dry-run=server", "-f"])
            .arg(&examples)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl apply --dry-run=server {}: {}{}",
            examples.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let applied = String::from_utf8_lossy(&out.stdout);
        for kind in ["deployment.apps", "service", "validatingwebhookconfiguration.admissionregistration.k8s.io", "configmap"] {
            assert!(applied.contains(&format!("{kind}/notary-admission")) || applied.contains(&format!("{kind}/notation-config")), "{kind}: {applied}");
        }

        let rule = |groups: &[&str], resources: &[&str]| {
            json!({"apiGroups": groups, "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                   "resources": resources, "scope": "Namespaced"})
        };
        let ca_bundle =
            base64::engine::general_purpose::STANDARD.encode(std::fs::read(&webhook_ca).unwrap());
        let vwc = json!({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
            "metadata": {"name": "notary-admission-test"},
            "webhooks": [{
                "name": WEBHOOK_NAME,
                "clientConfig": {"url": format!("https://{}/validate", hook.addr), "caBundle": ca_bundle},
                "rules": [
                    rule(&[""], &["pods", "pods/ephemeralcontainers", "replicationcontrollers"]),
                    rule(&["apps"], &["deployments", "replicasets", "statefulsets", "daemonsets"]),
                    rule(&["batch"], &["jobs", "cronjobs"]),
                ],
                "failurePolicy": "Fail", "sideEffects": "None",
                "admissionReviewVersions": ["v1"], "timeoutSeconds": 10
            }]
        });
        let (s, b, _) = api(
            Method::POST,
            "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
            Some(vwc),
        )
        .await;
        assert_eq!(s, 201, "{b}");

        // dryRun=All as the readiness probe of the registration: an unsigned Pod is refused.
        let unsigned = imgs.get("unsigned");
        let deadline = Instant::now() + Duration::from_secs(20);
        let probe = loop {
            let (s, b, _) = api(
                Method::POST,
                &format!("{PODS}?dryRun=All"),
                Some(pod("probe", unsigned)),
            )
            .await;
            if s == 403 || Instant::now() > deadline {
                break (s, b);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(probe.0, 403, "webhook never enforced: {}", probe.1);

        // Signed, by digest and by tag.
        let signed = imgs.get("app:v1");
        let (s, b, w) = api(Method::POST, PODS, Some(pod("signed", signed))).await;
        assert_eq!(s, 201, "{b}");
        assert!(w.is_empty(), "{w:?}");
        let by_tag = format!("{}/app:v2", imgs.host());
        let (s, b, _) = api(Method::POST, PODS, Some(pod("by-tag", &by_tag))).await;
        assert_eq!(s, 201, "{b}");

        // Refused, with the webhook's message naming the image and the failed validation.
        for (name, expected) in [
            ("unsigned", "no signature is associated"),
            ("untrusted", "authenticity validation failed"),
            ("tampered", "integrity validation failed"),
        ] {
            let image = imgs.get(name);
            let (s, b, _) = api(Method::POST, PODS, Some(pod(name, image))).await;
            assert_eq!(s, 403, "{name}: {b}");
            let msg = b["message"].as_str().unwrap_or_default();
            assert!(
                msg.contains(&format!("admission webhook \"{WEBHOOK_NAME}\" denied the request"))
                    && msg.contains(image)
                    && msg.contains(expected),
                "{name}: {msg}"
            );
            assert_eq!(b["reason"], "Forbidden", "{b}");
            let (s, _, _) = api(Method::GET, &format!("{PODS}/{name}"), None).await;
            assert_eq!(s, 404, "{name} was stored");
        }

        // Audit level: admitted, the logged failure reaches the client as a warning.
        let (s, b, w) = api(Method::POST, PODS, Some(pod("audited", imgs.get("audited")))).await;
        assert_eq!(s, 201, "{b}");
        assert!(w.iter().any(|w| w.contains("audit")), "{w:?}");

        // dryRun=All of a signed Pod: verified, admitted, not stored.
        let (s, b, _) = api(
            Method::POST,
            &format!("{PODS}?dryRun=All"),
            Some(pod("dry", signed)),
        )
        .await;
        assert_eq!(s, 201, "{b}");
        let (s, _, _) = api(Method::GET, &format!("{PODS}/dry"), None).await;
        assert_eq!(s, 404, "a dry run stored the Pod");

        // A Deployment: created signed, then its image updated (UPDATE) to an unsigned one
        // (refused) and to another signed one (admitted).
        let (s, b, _) = api(Method::POST, DEPLOYMENTS, Some(deployment("web", signed))).await;
        assert_eq!(s, 201, "{b}");
        let set_image = |mut d: Value, image: &str| {
            d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
            d
        };
        let (_, current, _) = api(Method::GET, &format!("{DEPLOYMENTS}/web"), None).await;
        let (s, b, _) = api(
            Method::PUT,
            &format!("{DEPLOYMENTS}/web"),
            Some(set_image(current.clone(), unsigned)),
        )
        .await;
        assert_eq!(s, 403, "{b}");
        assert!(b["message"].as_str().unwrap_or_default().contains(unsigned), "{b}");
        let (s, b, _) = api(
            Method::PUT,
            &format!("{DEPLOYMENTS}/web"),
            Some(set_image(current, imgs.get("app:v2"))),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        let (_, stored, _) = api(Method::GET, &format!("{DEPLOYMENTS}/web"), None).await;
        assert_eq!(
            stored["spec"]["template"]["spec"]["containers"][0]["image"],
            imgs.get("app:v2")
        );

        // A CronJob whose init container is unsigned: refused through jobTemplate.
        let cron = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
            "spec": {"schedule": "0 0 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "restartPolicy": "Never",
                "initContainers": [{"name": "init", "image": unsigned}],
                "containers": [{"name": "app", "image": signed}]}}}}}});
        let (s, b, _) = api(Method::POST, "/apis/batch/v1/namespaces/default/cronjobs", Some(cron)).await;
        assert_eq!(s, 403, "{b}");

        // Image volumes: the API server passes them on and the webhook verifies them.
        let with_volume = |name: &str, reference: &str| {
            let mut p = pod(name, signed);
            p["spec"]["volumes"] = json!([{"name": "data", "image": {"reference": reference}}]);
            p["spec"]["containers"][0]["volumeMounts"] = json!([{"name": "data", "mountPath": "/data"}]);
            p
        };
        let (s, b, _) = api(Method::POST, PODS, Some(with_volume("vol-unsigned", unsigned))).await;
        assert_eq!(s, 403, "{b}");
        let msg = b["message"].as_str().unwrap_or_default();
        assert!(
            msg.contains(&format!("volume \"data\" image {unsigned:?}")) && msg.contains("no signature is associated"),
            "{msg}"
        );
        let (s, b, _) = api(Method::POST, PODS, Some(with_volume("vol-signed", imgs.get("app:v2")))).await;
        assert_eq!(s, 201, "{b}");
        // Without a reference the API server refuses a Pod and a pod template itself (422,
        // before admission); the webhook's own refusal is for reviews that skip that check.
        let (s, b, _) = api(Method::POST, PODS, Some(with_volume("vol-empty", ""))).await;
        assert_eq!(s, 422, "{b}");
        let mut d = deployment("vol-empty", signed);
        d["spec"]["template"]["spec"]["volumes"] = json!([{"name": "data", "image": {"reference": ""}}]);
        let (s, b, _) = api(Method::POST, DEPLOYMENTS, Some(d)).await;
        assert_eq!(s, 422, "{b}");

        // The webhook saw all of it, and re-admitted digests came from its cache.
        let m = admission::client(&webhook_ca)
            .get(format!("https://{}/metrics", hook.addr))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(metric(&m, "notary_admission_reviews_total") >= 12, "{m}");
        assert!(metric(&m, "notary_admission_cache_hits_total") >= 3, "{m}");
        assert_eq!(metric(&m, "notary_admission_malformed_reviews_total"), 0, "{m}");

        // For the record (no assertion: timing depends on the machine): the webhook's latency
        // as the API server measures it.
        let text = c
            .get(format!("{}/metrics", cluster.url))
            .bearer_auth(&cluster.token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let sum_count = |suffix: &str| -> f64 {
            text.lines()
                .filter(|l| {
                    l.starts_with(&format!("apiserver_admission_webhook_admission_duration_seconds_{suffix}"))
                        && l.contains(WEBHOOK_NAME)
                })
                .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                .sum()
        };
        let (sum, count) = (sum_count("sum"), sum_count("count"));
        if count > 0.0 {
            eprintln!(
                "webhook calls measured by kube-apiserver: {count} calls, mean {:.2} ms",
                sum / count * 1000.0
            );
        }
    });
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}
