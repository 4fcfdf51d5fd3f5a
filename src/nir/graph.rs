//! The NIR graph as read from an HDF5 file, and the chain of layers the importer accepts.
//!
//! Layout (the `nir` Python package's `nir.write`): a root dataset `version`, a group `node`
//! whose `type` is `NIRGraph`, holding `nodes/<name>/` (each with a `type` string and its
//! parameter datasets) and `edges`, an (n, 2) array of (source, target) names. A node of type
//! `NIRGraph` is a nested subgraph with the same layout; edges into it go to its `Input` node,
//! edges out of it leave from its `Output` node.

use hdf5_pure::{File, Group};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A float array and its shape (row-major, as numpy stores it).
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Vec<f64>,
}

impl Array {
    fn len(&self) -> usize {
        self.data.len()
    }
}

/// The NIR primitives the importer knows; any other type is kept as `Other` (and refused when
/// the chain is built, naming it).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Input {
        shape: Vec<usize>,
    },
    Output {
        shape: Vec<usize>,
    },
    /// `weight` is [out, in]; `bias` has `out` values.
    Affine {
        weight: Array,
        bias: Array,
    },
    Linear {
        weight: Array,
    },
    Scale {
        scale: Array,
    },
    Flatten,
    /// One delay in seconds per channel of its input.
    Delay {
        delay: Array,
    },
    Lif(Neuron),
    If(Neuron),
    CubaLif(Neuron),
    Graph(Graph),
    Other(String),
}

impl Node {
    /// The NIR type name.
    pub fn type_name(&self) -> &str {
        match self {
            Node::Input { .. } => "Input",
            Node::Output { .. } => "Output",
            Node::Affine { .. } => "Affine",
            Node::Linear { .. } => "Linear",
            Node::Scale { .. } => "Scale",
            Node::Flatten => "Flatten",
            Node::Delay { .. } => "Delay",
            Node::Lif(_) => "LIF",
            Node::If(_) => "IF",
            Node::CubaLif(_) => "CubaLIF",
            Node::Graph(_) => "NIRGraph",
            Node::Other(t) => t,
        }
    }
}

/// The parameters of a LIF, IF or CubaLIF node, one value per neuron (absent ones filled with
/// NIR's defaults: `tau` unused by IF, `tau_syn` and `w_in` used by CubaLIF only).
#[derive(Debug, Clone, PartialEq)]
pub struct Neuron {
    pub tau_mem: Vec<f64>,
    pub tau_syn: Vec<f64>,
    pub r: Vec<f64>,
    pub v_leak: Vec<f64>,
    pub v_reset: Vec<f64>,
    pub v_threshold: Vec<f64>,
    pub w_in: Vec<f64>,
}

impl Neuron {
    pub fn len(&self) -> usize {
        self.v_threshold.len()
    }
}

/// A NIR graph: named nodes and (source, target) edges.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    pub nodes: BTreeMap<String, Node>,
    pub edges: Vec<(String, String)>,
}

/// Read a `.nir` file.
pub fn read(path: &Path) -> Result<Graph, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f = File::from_bytes(bytes)
        .map_err(|e| format!("{}: not a readable HDF5 file ({e})", path.display()))?;
    let ctx = |e: String| format!("{}: {e}", path.display());
    let root = f.root();
    if !root
        .datasets()
        .map_err(|e| ctx(e.to_string()))?
        .iter()
        .any(|d| d == "version")
    {
        return Err(ctx("no root dataset 'version' (not a NIR file)".into()));
    }
    let node = f
        .group("node")
        .map_err(|_| ctx("no group 'node' (not a NIR file)".into()))?;
    match read_node(&node, "node").map_err(ctx)? {
        Node::Graph(g) => Ok(g),
        other => Err(ctx(format!(
            "group 'node' has type {}, expected NIRGraph",
            other.type_name()
        ))),
    }
}

fn string_of(g: &Group, name: &str, at: &str) -> Result<String, String> {
    let ds = g
        .dataset(name)
        .map_err(|_| format!("{at}: no dataset '{name}'"))?;
    let s = ds
        .read_string()
        .map_err(|e| format!("{at}/{name}: not a string ({e})"))?;
    s.into_iter()
        .next()
        .ok_or_else(|| format!("{at}/{name}: empty"))
}

fn array_of(g: &Group, name: &str, at: &str) -> Result<Option<Array>, String> {
    let names = g.datasets().map_err(|e| format!("{at}: {e}"))?;
    if !names.iter().any(|n| n == name) {
        return Ok(None);
    }
    let ds = g.dataset(name).map_err(|e| format!("{at}/{name}: {e}"))?;
    let shape = ds
        .shape()
        .map_err(|e| format!("{at}/{name}: {e}"))?
        .into_iter()
        .map(|d| d as usize)
        .collect::<Vec<_>>();
    let data = ds
        .read_f64()
        .map_err(|e| format!("{at}/{name}: not a numeric array ({e})"))?;
    if data.iter().any(|v| !v.is_finite()) {
        return Err(format!("{at}/{name}: a value is not finite"));
    }
    Ok(Some(Array { shape, data }))
}

fn need(g: &Group, name: &str, at: &str) -> Result<Array, String> {
    array_of(g, name, at)?.ok_or_else(|| format!("{at}: no dataset '{name}'"))
}

/// A per-neuron parameter: `n` values, or one value broadcast, or `default` when absent.
fn per_neuron(
    g: &Group,
    name: &str,
    at: &str,
    n: usize,
    default: Option<f64>,
) -> Result<Vec<f64>, String> {
    match array_of(g, name, at)? {
        Some(a) if a.len() == n => Ok(a.data),
        Some(a) if a.len() == 1 => Ok(vec![a.data[0]; n]),
        Some(a) => Err(format!(
            "{at}/{name}: {} values, expected {n} (one per neuron, as v_threshold)",
            a.len()
        )),
        None => default
            .map(|d| vec![d; n])
            .ok_or_else(|| format!("{at}: no dataset '{name}'")),
    }
}

fn read_node(g: &Group, at: &str) -> Result<Node, String> {
    let ty = string_of(g, "type", at)?;
    let neuron = |cuba: bool, tau_name: &str, has_tau: bool| -> Result<Neuron, String> {
        let n = need(g, "v_threshold", at)?.len();
        Ok(Neuron {
            tau_mem: if has_tau {
                per_neuron(g, tau_name, at, n, None)?
            } else {
                vec![f64::INFINITY; n]
            },
            tau_syn: if cuba {
                per_neuron(g, "tau_syn", at, n, None)?
            } else {
                vec![0.0; n]
            },
            r: per_neuron(g, "r", at, n, None)?,
            v_leak: per_neuron(g, "v_leak", at, n, Some(0.0))?,
            v_reset: per_neuron(g, "v_reset", at, n, Some(0.0))?,
            v_threshold: per_neuron(g, "v_threshold", at, n, None)?,
            w_in: per_neuron(g, "w_in", at, n, Some(1.0))?,
        })
    };
    let shape = |name: &str| -> Result<Vec<usize>, String> {
        let a = need(g, name, at)?;
        a.data
            .iter()
            .map(|&d| {
                if d >= 1.0 && d.fract() == 0.0 {
                    Ok(d as usize)
                } else {
                    Err(format!("{at}/{name}: {d} is not a dimension"))
                }
            })
            .collect()
    };
    Ok(match ty.as_str() {
        "Input" => Node::Input {
            shape: shape("shape")?,
        },
        "Output" => Node::Output {
            shape: shape("shape")?,
        },
        "Affine" | "Linear" => {
            let weight = need(g, "weight", at)?;
            if weight.shape.len() != 2 {
                return Err(format!(
                    "{at}/weight: shape {:?}, expected a matrix [out, in]",
                    weight.shape
                ));
            }
            if ty == "Linear" {
                Node::Linear { weight }
            } else {
                let bias = need(g, "bias", at)?;
                if bias.len() != weight.shape[0] {
                    return Err(format!(
                        "{at}/bias: {} values, expected {} (the weight's rows)",
                        bias.len(),
                        weight.shape[0]
                    ));
                }
                Node::Affine { weight, bias }
            }
        }
        "Scale" => Node::Scale {
            scale: need(g, "scale", at)?,
        },
        "Flatten" => Node::Flatten,
        "Delay" => Node::Delay {
            delay: need(g, "delay", at)?,
        },
        "LIF" => Node::Lif(neuron(false, "tau", true)?),
        "IF" => Node::If(neuron(false, "", false)?),
        "CubaLIF" => Node::CubaLif(neuron(true, "tau_mem", true)?),
        "NIRGraph" => {
            let nodes_g = g
                .group("nodes")
                .map_err(|_| format!("{at}: NIRGraph without a group 'nodes'"))?;
            let mut nodes = BTreeMap::new();
            for name in nodes_g.groups().map_err(|e| format!("{at}/nodes: {e}"))? {
                let sub = nodes_g
                    .group(&name)
                    .map_err(|e| format!("{at}/nodes/{name}: {e}"))?;
                let node = read_node(&sub, &format!("{at}/nodes/{name}"))?;
                nodes.insert(name, node);
            }
            let edges_ds = g
                .dataset("edges")
                .map_err(|_| format!("{at}: NIRGraph without a dataset 'edges'"))?;
            let flat = edges_ds
                .read_string()
                .map_err(|e| format!("{at}/edges: not an array of names ({e})"))?;
            if flat.len() % 2 != 0 {
                return Err(format!("{at}/edges: {} names, expected pairs", flat.len()));
            }
            let edges = flat
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            Node::Graph(Graph { nodes, edges })
        }
        _ => Node::Other(ty),
    })
}

/// One layer of the chain: the weights into it (NIR's [out][in], Scale folded in) and its
/// neurons.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// The names of the NIR nodes that made this layer (weights, scales, neuron).
    pub weight_node: String,
    pub neuron_node: String,
    pub kind: Kind,
    /// [out][in]
    pub weight: Vec<Vec<f64>>,
    pub bias: Vec<f64>,
    pub neuron: Neuron,
    /// The Delay nodes of this layer, in chain order: before the weights (one delay per input
    /// channel j) or between the weights and the neurons (one per output channel i).
    pub delays: Vec<DelayNode>,
}

/// A NIR Delay node on a layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DelayNode {
    pub name: String,
    /// true: between the weights and the neurons (per neuron i); false: before the weights (per
    /// input j).
    pub on_output: bool,
    /// Seconds, one per channel.
    pub seconds: Vec<f64>,
}

/// The neuron model of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Lif,
    If,
    CubaLif,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Lif => "LIF",
            Kind::If => "IF",
            Kind::CubaLif => "CubaLIF",
        }
    }
}

/// What the importer accepts, for error messages.
pub const SUPPORTED: &str = "supported: chains Input -> [Delay] -> (Affine | Linear) -> [Scale] -> [Delay] -> (LIF | CubaLIF | IF) -> ... -> Output, with Flatten anywhere and nested NIRGraph subgraphs";

/// The chain of layers of `g`: the inputs' count and the layers, first to last.
pub fn chain(g: &Graph) -> Result<(usize, Vec<Layer>), String> {
    let (nodes, edges) = inline(g, "")?;
    let inputs: Vec<&String> = nodes
        .iter()
        .filter(|(_, n)| matches!(n, Node::Input { .. }))
        .map(|(k, _)| k)
        .filter(|k| !edges.iter().any(|(_, t)| t == *k))
        .collect();
    let start = match inputs.as_slice() {
        [one] => (*one).clone(),
        [] => return Err("the graph has no Input node without predecessors".into()),
        many => {
            return Err(format!(
                "the graph has {} Input nodes ({}); {SUPPORTED}",
                many.len(),
                many.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    };
    for (s, t) in &edges {
        for end in [s, t] {
            if !nodes.contains_key(end) {
                return Err(format!("edge ({s}, {t}): no node '{end}' in the graph"));
            }
        }
    }
    // cycles first (Kahn's algorithm: the nodes never freed lie on or after a cycle)
    let mut indeg: BTreeMap<&String, usize> = nodes.keys().map(|k| (k, 0)).collect();
    for (_, t) in &edges {
        *indeg.get_mut(t).unwrap() += 1;
    }
    let mut free: Vec<&String> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    while let Some(k) = free.pop() {
        indeg.remove(k);
        for (_, t) in edges.iter().filter(|(s, _)| s == k) {
            if let Some(d) = indeg.get_mut(t) {
                *d -= 1;
                if *d == 0 {
                    free.push(t);
                }
            }
        }
    }
    if !indeg.is_empty() {
        let on: Vec<&str> = indeg.keys().map(|k| k.as_str()).collect();
        return Err(format!(
            "the graph has a cycle (nodes on or after it: {}); {SUPPORTED}",
            on.join(", ")
        ));
    }
    // walk the path from the Input, one successor at a time
    let mut path = vec![start.clone()];
    let mut seen = BTreeSet::from([start.clone()]);
    let mut at = start;
    loop {
        let succ: Vec<&String> = edges
            .iter()
            .filter(|(s, _)| *s == at)
            .map(|(_, t)| t)
            .collect();
        match succ.as_slice() {
            [] => break,
            [next] => {
                if !seen.insert((*next).clone()) {
                    return Err(format!(
                        "the graph has a cycle: edge ({at}, {next}) returns to {next}; {SUPPORTED}"
                    ));
                }
                let preds = edges.iter().filter(|(_, t)| t == *next).count();
                if preds > 1 {
                    return Err(format!(
                        "node '{next}' ({}) has {preds} inputs; {SUPPORTED}",
                        nodes[*next].type_name()
                    ));
                }
                at = (*next).clone();
                path.push(at.clone());
            }
            many => {
                return Err(format!(
                    "node '{at}' ({}) feeds {} nodes ({}); {SUPPORTED}",
                    nodes[&at].type_name(),
                    many.len(),
                    many.iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    if let Some(left) = nodes.keys().find(|k| !seen.contains(*k)) {
        return Err(format!(
            "node '{left}' ({}) is not on the path from the Input; {SUPPORTED}",
            nodes[left].type_name()
        ));
    }
    let Node::Input { shape } = &nodes[&path[0]] else {
        unreachable!()
    };
    let n_in: usize = shape.iter().product();
    let mut width = n_in;
    let mut layers = Vec::new();
    let mut pending: Option<(String, Vec<Vec<f64>>, Vec<f64>)> = None;
    // Delay nodes seen since the last neuron layer (on the next layer's inputs or outputs)
    let mut delays: Vec<DelayNode> = Vec::new();
    let mut ended = false;
    for name in &path[1..] {
        let node = &nodes[name];
        let bad = |what: String| format!("node '{name}' ({}): {what}", node.type_name());
        if ended {
            return Err(bad(format!("follows the Output; {SUPPORTED}")));
        }
        match node {
            Node::Flatten => {}
            Node::Delay { delay } => {
                if delay.len() != width {
                    return Err(bad(format!(
                        "shape mismatch: {} delays (shape {:?}) for {width} channels; NIR's Delay has one delay per channel",
                        delay.len(),
                        delay.shape
                    )));
                }
                if let Some((i, d)) = delay.data.iter().enumerate().find(|(_, d)| **d < 0.0) {
                    return Err(bad(format!(
                        "delay[{i}] = {d} s: a delay must be 0 or more seconds"
                    )));
                }
                delays.push(DelayNode {
                    name: name.clone(),
                    on_output: pending.is_some(),
                    seconds: delay.data.clone(),
                });
            }
            Node::Affine { weight, .. } | Node::Linear { weight } => {
                if let Some((prev, ..)) = &pending {
                    return Err(bad(format!(
                        "follows the weights of '{prev}' without a neuron between; {SUPPORTED}"
                    )));
                }
                let (out, inp) = (weight.shape[0], weight.shape[1]);
                if inp != width {
                    return Err(bad(format!(
                        "shape mismatch: weight [{out}, {inp}] takes {inp} inputs, its input has {width}"
                    )));
                }
                let rows = weight.data.chunks(inp).map(<[f64]>::to_vec).collect();
                let bias = match node {
                    Node::Affine { bias, .. } => bias.data.clone(),
                    _ => vec![0.0; out],
                };
                pending = Some((name.clone(), rows, bias));
                width = out;
            }
            Node::Scale { scale } => {
                let Some((_, w, b)) = &mut pending else {
                    return Err(bad(format!(
                        "a Scale must follow Affine or Linear; {SUPPORTED}"
                    )));
                };
                if scale.len() != width && scale.len() != 1 {
                    return Err(bad(format!(
                        "shape mismatch: {} scales for {width} values",
                        scale.len()
                    )));
                }
                for i in 0..width {
                    let s = scale.data[if scale.len() == 1 { 0 } else { i }];
                    w[i].iter_mut().for_each(|x| *x *= s);
                    b[i] *= s;
                }
            }
            Node::Lif(n) | Node::If(n) | Node::CubaLif(n) => {
                let Some((wname, weight, bias)) = pending.take() else {
                    return Err(bad(format!(
                        "a neuron layer must follow Affine or Linear weights; {SUPPORTED}"
                    )));
                };
                if n.len() != width {
                    return Err(bad(format!(
                        "shape mismatch: {} neurons, the weights of '{wname}' give {width} outputs",
                        n.len()
                    )));
                }
                let kind = match node {
                    Node::Lif(_) => Kind::Lif,
                    Node::If(_) => Kind::If,
                    _ => Kind::CubaLif,
                };
                check_neuron(n, kind).map_err(bad)?;
                layers.push(Layer {
                    weight_node: wname,
                    neuron_node: name.clone(),
                    kind,
                    weight,
                    bias,
                    neuron: n.clone(),
                    delays: std::mem::take(&mut delays),
                });
            }
            Node::Output { shape } => {
                let n: usize = shape.iter().product();
                if n != width {
                    return Err(bad(format!(
                        "shape mismatch: {n} outputs, its input has {width}"
                    )));
                }
                // an inner subgraph's Output is a pass-through; the last node ends the chain
                ended = name == path.last().unwrap();
            }
            Node::Input { .. } => {}
            other => {
                return Err(bad(format!(
                    "primitive {} is not supported; {SUPPORTED}",
                    other.type_name()
                )));
            }
        }
    }
    if let Some((w, ..)) = pending {
        return Err(format!(
            "node '{w}': weights without a neuron layer after them; {SUPPORTED}"
        ));
    }
    if let Some(d) = delays.first() {
        return Err(format!(
            "node '{}' (Delay): no weights and neuron layer after it (a delay of the outputs has no synapse to live on); {SUPPORTED}",
            d.name
        ));
    }
    if !ended {
        return Err(format!(
            "the chain does not end in an Output node; {SUPPORTED}"
        ));
    }
    if layers.is_empty() {
        return Err(format!("the graph has no neuron layer; {SUPPORTED}"));
    }
    Ok((n_in, layers))
}

fn check_neuron(n: &Neuron, kind: Kind) -> Result<(), String> {
    for (i, &t) in n.v_threshold.iter().enumerate() {
        if t <= 0.0 {
            return Err(format!("v_threshold[{i}] = {t}: must be positive"));
        }
    }
    if kind != Kind::If {
        for (i, &t) in n.tau_mem.iter().enumerate() {
            if t <= 0.0 {
                return Err(format!("tau[{i}] = {t}: must be positive"));
            }
        }
    }
    if kind == Kind::CubaLif {
        for (i, &t) in n.tau_syn.iter().enumerate() {
            if t <= 0.0 {
                return Err(format!("tau_syn[{i}] = {t}: must be positive"));
            }
        }
    }
    Ok(())
}

/// Nodes by name and (source, target) edges, after [`inline`].
type Flat = (BTreeMap<String, Node>, Vec<(String, String)>);

/// Replace each nested NIRGraph by its nodes, named `<graph>.<node>`: edges into the graph go
/// to its Input node, edges out of it leave from its Output node.
fn inline(g: &Graph, prefix: &str) -> Result<Flat, String> {
    let mut nodes = BTreeMap::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    let mut ports: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, node) in &g.nodes {
        let full = format!("{prefix}{name}");
        if let Node::Graph(sub) = node {
            let (sn, se) = inline(sub, &format!("{full}."))?;
            let find = |want: fn(&Node) -> bool, what: &str| -> Result<String, String> {
                let v: Vec<&String> = sub
                    .nodes
                    .iter()
                    .filter(|(_, n)| want(n))
                    .map(|(k, _)| k)
                    .collect();
                match v.as_slice() {
                    [one] => Ok(format!("{full}.{one}")),
                    _ => Err(format!(
                        "subgraph '{full}' (NIRGraph) has {} {what} nodes, expected one; {SUPPORTED}",
                        v.len()
                    )),
                }
            };
            let i = find(|n| matches!(n, Node::Input { .. }), "Input")?;
            let o = find(|n| matches!(n, Node::Output { .. }), "Output")?;
            ports.insert(full.clone(), (i, o));
            nodes.extend(sn);
            edges.extend(se);
        } else {
            nodes.insert(full, node.clone());
        }
    }
    for (s, t) in &g.edges {
        let (s, t) = (format!("{prefix}{s}"), format!("{prefix}{t}"));
        let s = ports.get(&s).map(|p| p.1.clone()).unwrap_or(s);
        let t = ports.get(&t).map(|p| p.0.clone()).unwrap_or(t);
        edges.push((s, t));
    }
    // an inner Input or Output is a pass-through: relabel them so only the top graph's Input
    // starts the chain (inner Inputs have a predecessor, so `chain` skips them as starts).
    Ok((nodes, edges))
}
