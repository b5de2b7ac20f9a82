//! The dependency graph: edges between modules (or files) with the line that creates each,
//! and its cycles.

use std::collections::{BTreeMap, BTreeSet};

use crate::source::{Source, paths, resolve, use_tree};

/// Where a dependency comes from: the file, its line and the path as written.
#[derive(Clone, Debug)]
pub(crate) struct Witness {
    path: String,
    line: usize,
    written: String,
}

pub(crate) type Edges = BTreeMap<String, BTreeMap<String, Witness>>;

/// Names that the crate root re-exports (`pub use tensor::Tensor;`), mapped to the module
/// that defines them, so that `crate::Tensor` counts as an import of `tensor`.
fn root_reexports(lib: &Source, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < lib.tokens.len() {
        match lib.tokens[i].text.as_str() {
            "{" => depth += 1,
            "}" => depth = depth.saturating_sub(1),
            "use" if depth == 0 => {
                let mut found = Vec::new();
                i += 1;
                use_tree(&lib.tokens, &mut i, Vec::new(), &mut found);
                for (path, _) in found {
                    if let [module, .., name] = path.as_slice()
                        && modules.contains(module)
                    {
                        names.entry(name.clone()).or_insert_with(|| module.clone());
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// The edges between the top-level modules of a crate (`layers-core`).
pub(crate) fn module_edges(sources: &[Source], crate_name: &str) -> Edges {
    let modules: BTreeSet<String> = sources
        .iter()
        .filter_map(|s| s.module.first().cloned())
        .collect();
    let reexports = sources
        .iter()
        .find(|s| s.module.is_empty())
        .map(|lib| root_reexports(lib, &modules))
        .unwrap_or_default();
    let mut edges = Edges::new();
    for s in sources.iter().filter(|s| !s.module.is_empty()) {
        for (path, line, inline) in paths(&s.tokens, crate_name) {
            let here = [s.module.clone(), inline].concat();
            let Some(target) = resolve(&here, &path, crate_name) else {
                continue;
            };
            let Some(first) = target.first() else {
                continue;
            };
            let to = if modules.contains(first) {
                Some(first)
            } else {
                reexports.get(first)
            };
            if let Some(to) = to.filter(|&to| *to != s.module[0]) {
                let witness = Witness {
                    path: s.path.clone(),
                    line,
                    written: path.join("::"),
                };
                edges
                    .entry(s.module[0].clone())
                    .or_default()
                    .entry(to.clone())
                    .or_insert(witness);
            }
        }
    }
    edges
}

/// The edges between the files of a crate (`layers-derive`): a path names the file of the
/// longest module prefix it has.
pub(crate) fn file_edges(sources: &[Source], crate_name: &str) -> Edges {
    let files: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges = Edges::new();
    for s in sources {
        for (path, line, inline) in paths(&s.tokens, crate_name) {
            let here = [s.module.clone(), inline].concat();
            let Some(target) = resolve(&here, &path, crate_name) else {
                continue;
            };
            let file = (1..=target.len())
                .rev()
                .map(|n| &target[..n])
                .find(|m| files.contains(*m));
            if let Some(file) = file.filter(|f| *f != s.module.as_slice()) {
                let witness = Witness {
                    path: s.path.clone(),
                    line,
                    written: path.join("::"),
                };
                edges
                    .entry(s.module.join("::"))
                    .or_default()
                    .entry(file.join("::"))
                    .or_insert(witness);
            }
        }
    }
    edges
}

/// The strongly connected groups of more than one node (Tarjan), each sorted.
pub(crate) fn cycles(edges: &Edges) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        groups: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flat_map(|m| m.keys()) {
            if !s.index.contains_key(w.as_str()) {
                visit(s, w);
                s.low.insert(v, s.low[v].min(s.low[w.as_str()]));
            } else if s.stack.contains(&w.as_str()) {
                s.low.insert(v, s.low[v].min(s.index[w.as_str()]));
            }
        }
        if s.low[v] == s.index[v] {
            let at = s
                .stack
                .iter()
                .position(|&x| x == v)
                .expect("v is on the stack");
            let mut group: Vec<String> = s.stack.drain(at..).map(String::from).collect();
            if group.len() > 1 {
                group.sort();
                s.groups.push(group);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        groups: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.groups.sort();
    state.groups
}

/// One finding per cycle: a key (the crate and the modules in the cycle) and the edges that
/// close it, each with the line that creates it; two modules that import each other are
/// shown as `a <-> b`.
pub(crate) fn cycle_findings(krate: &str, edges: &Edges) -> Vec<(String, String)> {
    let witness = |w: &Witness| format!("{}:{} `{}`", w.path, w.line, w.written);
    cycles(edges)
        .into_iter()
        .map(|group| {
            let mut detail = String::new();
            for from in &group {
                for (to, w) in edges[from].iter().filter(|(to, _)| group.contains(to)) {
                    match edges[to].get(from) {
                        Some(back) if from < to => {
                            let (w, back) = (witness(w), witness(back));
                            detail += &format!("\n    {from} <-> {to}: {w}; {back}");
                        }
                        Some(_) => {}
                        None => detail += &format!("\n    {from} -> {to}: {}", witness(w)),
                    }
                }
            }
            (format!("cycle in {krate}: {}", group.join(", ")), detail)
        })
        .collect()
}
