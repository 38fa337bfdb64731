//! The container images of an object under review: Pods and the pod templates of the workload
//! kinds, every container, init container and ephemeral container.

use serde::Deserialize;
use serde_json::Value;

use crate::review::GroupVersionKind;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodSpec {
    #[serde(default)]
    containers: Option<Vec<Container>>,
    #[serde(default)]
    init_containers: Option<Vec<Container>>,
    #[serde(default)]
    ephemeral_containers: Option<Vec<Container>>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(default)]
    image: Option<String>,
}

/// Where a kind keeps its pod spec, as a JSON pointer into the object; `None` for kinds that
/// have none (they are admitted without a check).
pub fn pod_spec_pointer(kind: &GroupVersionKind) -> Option<&'static str> {
    match (kind.group.as_str(), kind.kind.as_str()) {
        ("", "Pod") => Some("/spec"),
        ("", "PodTemplate") => Some("/template/spec"),
        ("", "ReplicationController")
        | ("apps", "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet")
        | ("batch", "Job") => Some("/spec/template/spec"),
        ("batch", "CronJob") => Some("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

/// The distinct images of `object` (a `kind`), in order of first appearance, or why the object
/// cannot be read. Containers without an image are skipped (API validation refuses them).
pub fn images(kind: &GroupVersionKind, object: &Value) -> Result<Vec<String>, String> {
    let Some(pointer) = pod_spec_pointer(kind) else {
        return Ok(Vec::new());
    };
    if !object.is_object() {
        return Err(format!("the {} object is not a JSON object", kind.kind));
    }
    let Some(spec) = object.pointer(pointer) else {
        // A workload without a pod template has nothing to run.
        return Ok(Vec::new());
    };
    let spec = PodSpec::deserialize(spec)
        .map_err(|e| format!("cannot read the pod spec of the {}: {e}", kind.kind))?;
    let mut out: Vec<String> = Vec::new();
    for list in [
        spec.init_containers,
        spec.containers,
        spec.ephemeral_containers,
    ]
    .into_iter()
    .flatten()
    {
        for image in list.into_iter().filter_map(|c| c.image) {
            let image = image.trim().to_string();
            if !image.is_empty() && !out.contains(&image) {
                out.push(image);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gvk(group: &str, kind: &str) -> GroupVersionKind {
        GroupVersionKind {
            group: group.into(),
            version: "v1".into(),
            kind: kind.into(),
        }
    }

    fn spec(tag: &str) -> Value {
        json!({
            "initContainers": [{"name": "i", "image": format!("init:{tag}")}],
            "containers": [{"name": "a", "image": format!("app:{tag}")}, {"name": "b", "image": format!("app:{tag}")}],
            "ephemeralContainers": [{"name": "e", "image": format!("debug:{tag}")}]
        })
    }

    #[test]
    fn every_container_list_of_every_workload_kind() {
        let cases = [
            (gvk("", "Pod"), json!({"spec": spec("1")})),
            (
                gvk("", "PodTemplate"),
                json!({"template": {"spec": spec("1")}}),
            ),
            (
                gvk("", "ReplicationController"),
                json!({"spec": {"template": {"spec": spec("1")}}}),
            ),
            (
                gvk("apps", "Deployment"),
                json!({"spec": {"template": {"spec": spec("1")}}}),
            ),
            (
                gvk("apps", "StatefulSet"),
                json!({"spec": {"template": {"spec": spec("1")}}}),
            ),
            (
                gvk("apps", "DaemonSet"),
                json!({"spec": {"template": {"spec": spec("1")}}}),
            ),
            (
                gvk("apps", "ReplicaSet"),
                json!({"spec": {"template": {"spec": spec("1")}}}),
            ),
            (
                gvk("batch", "Job"),
                json!({"spec": {"template": {"spec": spec("1")}}}),
            ),
            (
                gvk("batch", "CronJob"),
                json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": spec("1")}}}}}),
            ),
        ];
        for (kind, object) in cases {
            assert_eq!(
                images(&kind, &object).unwrap(),
                ["init:1", "app:1", "debug:1"],
                "{}",
                kind.kind
            );
        }
    }

    #[test]
    fn other_kinds_and_missing_templates_have_no_images() {
        assert!(
            images(&gvk("", "ConfigMap"), &json!({"data": {}}))
                .unwrap()
                .is_empty()
        );
        // A Deployment in the "extensions" group is not ours to judge.
        assert!(pod_spec_pointer(&gvk("extensions", "Deployment")).is_none());
        assert!(
            images(&gvk("apps", "Deployment"), &json!({"spec": {}}))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn malformed_specs_are_errors_not_panics() {
        let pod = gvk("", "Pod");
        assert!(images(&pod, &json!("a string")).is_err());
        assert!(images(&pod, &json!({"spec": {"containers": "nginx"}})).is_err());
        assert!(images(&pod, &json!({"spec": {"containers": [{"image": 7}]}})).is_err());
    }
}
