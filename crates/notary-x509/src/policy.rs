//! Certificate policy validation of a path (RFC 5280 §6.1 with the policy graph of RFC 9618),
//! as Go's `x509.Verify` runs it with no policy asked for: what the TSA chain rules of
//! notation's tspclient-go get from Go. With anyPolicy as the initial policy set, a path is
//! refused only where the explicit-policy counter reaches zero and no valid policy is left, or
//! where a policy mapping names anyPolicy.

use std::collections::{BTreeSet, HashMap};

use crate::Certificate;

/// DER contents of anyPolicy, 2.5.29.32.0.
const ANY_POLICY: &[u8] = &[0x55, 0x1d, 0x20, 0x00];

type Oid = Vec<u8>;
type NodeId = usize;

/// One node of the valid policy graph.
struct Node {
    valid_policy: Oid,
    expected: Vec<Oid>,
    parents: BTreeSet<NodeId>,
    children: BTreeSet<NodeId>,
}

/// The valid policy graph: nodes in an arena, one map per depth from policy to node.
struct Graph {
    nodes: Vec<Node>,
    strata: Vec<HashMap<Oid, NodeId>>,
    /// Nodes of the previous depth by each policy of their expected set.
    parent_index: HashMap<Oid, Vec<NodeId>>,
}

impl Graph {
    fn new() -> Self {
        let root = Node {
            valid_policy: ANY_POLICY.to_vec(),
            expected: vec![ANY_POLICY.to_vec()],
            parents: BTreeSet::new(),
            children: BTreeSet::new(),
        };
        Self {
            nodes: vec![root],
            strata: vec![HashMap::from([(ANY_POLICY.to_vec(), 0)])],
            parent_index: HashMap::new(),
        }
    }

    fn depth(&self) -> usize {
        self.strata.len().saturating_sub(1)
    }

    fn stratum(&self, depth: usize) -> impl Iterator<Item = NodeId> + '_ {
        self.strata
            .get(depth)
            .into_iter()
            .flat_map(|m| m.values().copied())
    }

    fn leaf(&self, policy: &[u8]) -> Option<NodeId> {
        self.strata.last().and_then(|m| m.get(policy).copied())
    }

    /// A new node at the current depth below `parents`, its expected set its own policy.
    fn insert(&mut self, policy: Oid, parents: &[NodeId]) -> NodeId {
        let id = self.nodes.len();
        for &p in parents {
            if let Some(n) = self.nodes.get_mut(p) {
                n.children.insert(id);
            }
        }
        self.nodes.push(Node {
            valid_policy: policy.clone(),
            expected: vec![policy.clone()],
            parents: parents.iter().copied().collect(),
            children: BTreeSet::new(),
        });
        if let Some(m) = self.strata.last_mut() {
            m.insert(policy, id);
        }
        id
    }

    fn incr_depth(&mut self) {
        let mut index: HashMap<Oid, Vec<NodeId>> = HashMap::new();
        for id in self.stratum(self.depth()) {
            if let Some(n) = self.nodes.get(id) {
                for e in &n.expected {
                    index.entry(e.clone()).or_default().push(id);
                }
            }
        }
        self.parent_index = index;
        self.strata.push(HashMap::new());
    }

    fn unlink(&mut self, id: NodeId) {
        let (parents, children) = match self.nodes.get_mut(id) {
            Some(n) => (
                std::mem::take(&mut n.parents),
                std::mem::take(&mut n.children),
            ),
            None => return,
        };
        for p in parents {
            if let Some(n) = self.nodes.get_mut(p) {
                n.children.remove(&id);
            }
        }
        for c in children {
            if let Some(n) = self.nodes.get_mut(c) {
                n.parents.remove(&id);
            }
        }
    }

    fn delete_leaf(&mut self, policy: &[u8]) {
        if let Some(id) = self.strata.last_mut().and_then(|m| m.remove(policy)) {
            self.unlink(id);
        }
    }

    /// Removes the nodes above the leaves that have no child left, deepest first.
    fn prune(&mut self) {
        for depth in (1..self.depth()).rev() {
            let childless: Vec<(Oid, NodeId)> = self
                .strata
                .get(depth)
                .into_iter()
                .flatten()
                .filter(|(_, id)| self.nodes.get(**id).is_some_and(|n| n.children.is_empty()))
                .map(|(k, id)| (k.clone(), *id))
                .collect();
            for (policy, id) in childless {
                if let Some(m) = self.strata.get_mut(depth) {
                    m.remove(&policy);
                }
                self.unlink(id);
            }
        }
    }

    /// Whether the authority-constrained policy set (RFC 9618 §6.1.5 (g)) is not empty: a
    /// node other than anyPolicy whose one parent is anyPolicy, or anyPolicy at the leaves.
    fn has_valid_policy(&self) -> bool {
        let is_any = |id: &NodeId| {
            self.nodes
                .get(*id)
                .is_some_and(|n| n.valid_policy == ANY_POLICY)
        };
        self.leaf(ANY_POLICY).is_some()
            || self.strata.iter().flat_map(|m| m.values()).any(|id| {
                self.nodes.get(*id).is_some_and(|n| {
                    n.valid_policy != ANY_POLICY
                        && n.parents.len() == 1
                        && n.parents.iter().all(is_any)
                })
            })
    }
}

/// A skip count from an extension: Go ignores a negative one.
fn skip_count(v: Option<i64>) -> Option<usize> {
    v.and_then(|v| usize::try_from(v).ok())
}

/// Whether `chain` (leaf first, trust anchor last; the anchor's own extensions do not count)
/// passes policy validation with anyPolicy as the initial policy set and no inhibit or
/// explicit-policy input, as Go's `policiesValid` decides it.
pub fn policies_valid(chain: &[Certificate]) -> bool {
    let Some(n) = chain.len().checked_sub(1).filter(|n| *n > 0) else {
        return true;
    };
    let mut graph = Some(Graph::new());
    let start = n.saturating_add(1);
    let (mut inhibit_any, mut explicit, mut mapping) = (start, start, start);
    for i in (0..n).rev() {
        let Some(cert) = chain.get(i) else {
            return false;
        };
        let fields = &cert.policy;
        let self_issued = cert.is_self_issued();
        if fields.policies.is_empty() {
            graph = None;
        }
        if explicit == 0 && graph.is_none() {
            return false;
        }
        if let Some(g) = graph.as_mut() {
            g.incr_depth();
            let depth = g.depth();
            for policy in fields
                .policies
                .iter()
                .filter(|p| p.as_slice() != ANY_POLICY)
            {
                let mut parents = g.parent_index.get(policy).cloned().unwrap_or_default();
                if parents.is_empty()
                    && let Some(any) = g
                        .strata
                        .get(depth.saturating_sub(1))
                        .and_then(|m| m.get(ANY_POLICY).copied())
                {
                    parents = vec![any];
                }
                if !parents.is_empty() {
                    g.insert(policy.clone(), &parents);
                }
            }
            let has_any = fields.policies.iter().any(|p| p.as_slice() == ANY_POLICY);
            // Go's `n-i < n` with the path leaf first: not the leaf.
            if has_any && (inhibit_any > 0 || (i > 0 && self_issued)) {
                let mut missing: Vec<(Oid, Vec<NodeId>)> = Vec::new();
                let mut at: HashMap<Oid, usize> = HashMap::new();
                for p in g.stratum(depth.saturating_sub(1)).collect::<Vec<_>>() {
                    let expected = g
                        .nodes
                        .get(p)
                        .map(|n| n.expected.clone())
                        .unwrap_or_default();
                    for e in expected {
                        if g.leaf(&e).is_some() {
                            continue;
                        }
                        match at.get(&e).and_then(|&k| missing.get_mut(k)) {
                            Some((_, parents)) => parents.push(p),
                            None => {
                                at.insert(e.clone(), missing.len());
                                missing.push((e, vec![p]));
                            }
                        }
                    }
                }
                for (policy, parents) in missing {
                    g.insert(policy, &parents);
                }
            }
            g.prune();
            if i != 0 && !fields.mappings.is_empty() {
                // Issuer policy to subject policies (the order does not matter).
                let mut mappings: HashMap<Oid, Vec<Oid>> = HashMap::new();
                for (issuer, subject) in &fields.mappings {
                    if mapping > 0 {
                        if issuer.as_slice() == ANY_POLICY || subject.as_slice() == ANY_POLICY {
                            return false;
                        }
                        mappings
                            .entry(issuer.clone())
                            .or_default()
                            .push(subject.clone());
                    } else {
                        g.delete_leaf(issuer);
                    }
                }
                g.prune();
                for (issuer, subjects) in mappings {
                    if let Some(id) = g.leaf(&issuer) {
                        if let Some(node) = g.nodes.get_mut(id) {
                            node.expected = subjects;
                        }
                    } else if let Some(any) = g.leaf(ANY_POLICY) {
                        let id = g.insert(issuer, &[any]);
                        if let Some(node) = g.nodes.get_mut(id) {
                            node.expected = subjects;
                        }
                    }
                }
            }
        }
        if i != 0 {
            if !self_issued {
                explicit = explicit.saturating_sub(1);
                mapping = mapping.saturating_sub(1);
                inhibit_any = inhibit_any.saturating_sub(1);
            }
            if let Some(r) = skip_count(fields.require_explicit) {
                explicit = explicit.min(r);
            }
            if let Some(r) = skip_count(fields.inhibit_mapping) {
                mapping = mapping.min(r);
            }
            if let Some(r) = skip_count(fields.inhibit_any) {
                inhibit_any = inhibit_any.min(r);
            }
        }
    }
    explicit = explicit.saturating_sub(1);
    if chain.first().and_then(|c| c.policy.require_explicit) == Some(0) {
        explicit = 0;
    }
    explicit != 0 || graph.is_some_and(|g| g.has_valid_policy())
}
