//! The images of an object under review: Pods and the pod templates of the workload kinds,
//! every container, init container and ephemeral container, and every image volume
//! (`spec.volumes[].image.reference`: the kubelet pulls it like a container image and mounts
//! its content, so it is verified like one).

use std::collections::HashMap;

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
    #[serde(default)]
    volumes: Option<Vec<Volume>>,
}

#[derive(Deserialize)]
struct Container {
    #[serde(default)]
    image: Option<String>,
}

#[derive(Deserialize)]
struct Volume {
    #[serde(default)]
    name: Option<String>,
    /// `null` or absent: another kind of volume (Go decodes both to a nil pointer).
    #[serde(default)]
    image: Option<ImageVolumeSource>,
}

#[derive(Deserialize)]
struct ImageVolumeSource {
    #[serde(default)]
    reference: Option<String>,
}

/// Volume names listed in a message before the rest are only counted.
const NAMES_SHOWN: usize = 3;

/// One distinct image of a pod spec and what uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PodImage {
    /// The reference as written (surrounding whitespace removed).
    pub reference: String,
    /// A container (init, regular or ephemeral) runs it.
    pub container: bool,
    /// The image volumes that mount it, in order.
    pub volumes: Vec<String>,
}

impl PodImage {
    /// How messages name it: `image "ref"` when a container runs it, else
    /// `volume "v" image "ref"` (the volumes that mount it).
    pub fn subject(&self) -> String {
        let reference = &self.reference;
        if self.container || self.volumes.is_empty() {
            return format!("image {reference:?}");
        }
        let shown: Vec<String> = self
            .volumes
            .iter()
            .take(NAMES_SHOWN)
            .map(|v| format!("{v:?}"))
            .collect();
        let more = self.volumes.len().saturating_sub(NAMES_SHOWN);
        let rest = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        let noun = if self.volumes.len() == 1 {
            "volume"
        } else {
            "volumes"
        };
        format!("{noun} {}{rest} image {reference:?}", shown.join(", "))
    }
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

/// The distinct images of `object` (a `kind`) and what uses each, in order of first
/// appearance (init containers, containers, ephemeral containers, image volumes), or why the
/// object cannot be judged.
///
/// A container without an image is skipped (API validation refuses it in a Pod). An image
/// volume without a reference is an error, so the object is denied: API validation refuses it
/// too (kube-apiserver v1.37 in Pods and pod templates alike, though the field's documentation
/// leaves templates a way to omit it), and an image the webhook cannot name is one it cannot
/// verify, whatever sent the review.
pub fn pod_images(kind: &GroupVersionKind, object: &Value) -> Result<Vec<PodImage>, String> {
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
    let mut found = Found::default();
    for list in [
        spec.init_containers,
        spec.containers,
        spec.ephemeral_containers,
    ]
    .into_iter()
    .flatten()
    {
        for image in list.into_iter().filter_map(|c| c.image) {
            found.add(&image, None);
        }
    }
    for volume in spec.volumes.into_iter().flatten() {
        let Some(source) = volume.image else {
            continue;
        };
        let name = volume.name.unwrap_or_default();
        let reference = source.reference.unwrap_or_default();
        if reference.trim().is_empty() {
            return Err(format!(
                "volume {name:?} is an image volume without a reference \
                 (spec.volumes[].image.reference): an image that cannot be named cannot be verified"
            ));
        }
        found.add(&reference, Some(name));
    }
    Ok(found.images)
}

/// Distinct images in order of first appearance; the index keeps a spec of thousands of
/// references linear.
#[derive(Default)]
struct Found {
    images: Vec<PodImage>,
    index: HashMap<String, usize>,
}

impl Found {
    fn add(&mut self, reference: &str, volume: Option<String>) {
        let reference = reference.trim();
        if reference.is_empty() {
            return;
        }
        let i = match self.index.get(reference) {
            Some(&i) => i,
            None => {
                let i = self.images.len();
                self.index.insert(reference.to_string(), i);
                self.images.push(PodImage {
                    reference: reference.to_string(),
                    container: false,
                    volumes: Vec::new(),
                });
                i
            }
        };
        if let Some(image) = self.images.get_mut(i) {
            match volume {
                Some(v) => image.volumes.push(v),
                None => image.container = true,
            }
        }
    }
}

/// The distinct image references of `object` (a `kind`): [`pod_images`] without the uses.
pub fn images(kind: &GroupVersionKind, object: &Value) -> Result<Vec<String>, String> {
    pod_images(kind, object).map(|list| list.into_iter().map(|i| i.reference).collect())
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
            "ephemeralContainers": [{"name": "e", "image": format!("debug:{tag}")}],
            "volumes": [
                {"name": "cfg", "configMap": {"name": "c"}},
                {"name": "none", "image": null},
                {"name": "data", "image": {"reference": format!("data:{tag}"), "pullPolicy": "IfNotPresent"}}
            ]
        })
    }

    #[test]
    fn every_container_list_and_image_volume_of_every_workload_kind() {
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
                ["init:1", "app:1", "debug:1", "data:1"],
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

    fn pod(spec: Value) -> Value {
        json!({ "spec": spec })
    }

    #[test]
    fn image_volumes_are_named_in_messages() {
        let kind = gvk("", "Pod");
        let list = pod_images(
            &kind,
            &pod(json!({
                "containers": [{"name": "a", "image": "app:1"}],
                "volumes": [
                    {"name": "shared", "image": {"reference": "app:1"}},
                    {"name": "models", "image": {"reference": " models:2 "}},
                    {"name": "m2", "image": {"reference": "models:2"}},
                    {"name": "m3", "image": {"reference": "models:2"}},
                    {"name": "m4", "image": {"reference": "models:2"}},
                    {"name": "tools", "image": {"reference": "tools:3"}}
                ]
            })),
        )
        .unwrap();
        let subjects: Vec<String> = list.iter().map(PodImage::subject).collect();
        assert_eq!(
            subjects,
            [
                // A container runs it: named as before.
                r#"image "app:1""#,
                r#"volumes "models", "m2", "m3" and 1 more image "models:2""#,
                r#"volume "tools" image "tools:3""#,
            ]
        );
        assert_eq!(list[1].volumes, ["models", "m2", "m3", "m4"]);
        assert!(!list[1].container);
    }

    #[test]
    fn an_image_volume_without_a_reference_is_refused() {
        let kind = gvk("", "Pod");
        for source in [
            json!({}),
            json!({"reference": ""}),
            json!({"reference": "  "}),
            json!({"reference": null, "pullPolicy": "Always"}),
        ] {
            let object = pod(json!({
                "containers": [{"name": "a", "image": "app:1"}],
                "volumes": [{"name": "data", "image": source}]
            }));
            let err = pod_images(&kind, &object).unwrap_err();
            assert!(
                err.contains(r#"volume "data""#) && err.contains("without a reference"),
                "{source}: {err}"
            );
        }
        // In a template as well: its Pods could only run what the webhook cannot name.
        let deployment = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "a", "image": "app:1"}],
            "volumes": [{"name": "data", "image": {}}]
        }}}});
        assert!(pod_images(&gvk("apps", "Deployment"), &deployment).is_err());
    }

    #[test]
    fn malformed_volumes_are_errors_not_panics() {
        let kind = gvk("", "Pod");
        for volumes in [
            json!("data"),
            json!([{"name": "data", "image": "app:1"}]),
            json!([{"name": "data", "image": {"reference": 7}}]),
            json!([{"name": 7, "image": {"reference": "app:1"}}]),
        ] {
            assert!(
                pod_images(&kind, &pod(json!({"volumes": volumes}))).is_err(),
                "{volumes}"
            );
        }
    }
}
