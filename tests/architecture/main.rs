//! The house rules, checked on every test run: dependencies between modules flow one way, and
//! no source file grows past 500 lines of code.
//!
//! - In `layers-core` the unit is a top-level module (`tensor`, `autograd`, `layer`, …): no
//!   module may import, directly or through others, a module that imports it. Layers of the
//!   crate are listed bottom to top in `layers-core/src/lib.rs`.
//! - In `layers-derive` the unit is a file: the stages of the macros (parse, check, expand)
//!   import only the stages before them.
//! - A file counts its lines of code: not blank lines, comments (doc comments included) or
//!   `#[cfg(test)]` modules, inline or in their own file.
//!
//! An edge is any path that names another module: `use crate::tensor::Tensor;`, the grouped
//! `use crate::{error::Error, tensor::Tensor};`, a path in code (`crate::typed::NoCheck`),
//! `super::` that leaves the module, and a name re-exported at the crate root
//! (`crate::Tensor` counts as `tensor`). `python3 ../shared/tools/house.py` applies the same
//! rules.

mod graph;
mod source;

use std::path::PathBuf;

use graph::{cycle_findings, cycles, file_edges, module_edges};
use source::{parse, read_crate};

const MAX_CODE_LINES: usize = 500;

/// Known findings tolerated while a fix is under way (none today). Once a finding is gone its
/// line must go too: a listed finding that no longer occurs fails the test.
const PENDING: &[&str] = &[];

/// Compares the findings with [`PENDING`] (for keys starting with `kind`) and fails with every
/// new finding and every pending line that no longer occurs.
fn verdict(kind: &str, findings: Vec<(String, String)>) {
    let mut report = String::new();
    for (key, detail) in &findings {
        if !PENDING.contains(&key.as_str()) {
            report += &format!("\n  {key}{detail}");
        }
    }
    for pending in PENDING.iter().filter(|p| p.starts_with(kind)) {
        if !findings.iter().any(|(key, _)| key == pending) {
            report += &format!(
                "\n  `{pending}` is fixed: remove it from PENDING in tests/architecture/main.rs"
            );
        }
    }
    assert!(report.is_empty(), "house rules broken:{report}");
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn dependencies_flow_one_way() {
    let root = workspace();
    let core = read_crate(&root, "layers-core/src");
    let derive = read_crate(&root, "layers-derive/src");
    let mut findings = cycle_findings("layers-core", &module_edges(&core, "layers_core"));
    findings.extend(cycle_findings(
        "layers-derive",
        &file_edges(&derive, "layers_derive"),
    ));
    verdict("cycle", findings);
}

#[test]
fn no_source_file_is_over_500_code_lines() {
    let root = workspace();
    let mut findings = Vec::new();
    for dir in ["layers-core/src", "layers-derive/src", "src"] {
        for s in read_crate(&root, dir) {
            if s.code_lines > MAX_CODE_LINES {
                let detail = format!(
                    " has {} lines of code (at most {MAX_CODE_LINES}); split it by concept, or move its tests to a `tests.rs` submodule",
                    s.code_lines
                );
                findings.push((format!("long file: {}", s.path), detail));
            }
        }
    }
    verdict("long file", findings);
}

/// The check itself: a made-up crate whose `low` module reaches back up to `high`, in each of
/// the ways a path can be written, is reported with the line of the back-edge; without it the
/// crate is clean.
#[test]
fn a_back_edge_is_found_however_it_is_written() {
    let high = "use crate::low::Low;\n/// crate::low in a comment is no edge\npub struct High;\n";
    for back_edge in [
        "use crate::high::High;",
        "use crate::{error::E, high::{self, High}};",
        "fn f() -> crate::high::High { todo!() }",
        "fn f() -> super::super::high::High { todo!() }",
        "use crate::High;",
    ] {
        let files = vec![
            ("lib.rs".to_string(), "pub use high::High;\n".to_string()),
            ("high.rs".to_string(), high.to_string()),
            (
                "low/mod.rs".to_string(),
                "mod part;\npub struct Low;\n".to_string(),
            ),
            (
                "low/part.rs".to_string(),
                format!("// a comment\n{back_edge}\n"),
            ),
            ("error.rs".to_string(), "pub struct E;\n".to_string()),
        ];
        let edges = module_edges(&parse("made_up", files), "made_up");
        let found = cycle_findings("made-up", &edges);
        assert_eq!(found.len(), 1, "{back_edge}: {found:?}");
        assert_eq!(found[0].0, "cycle in made-up: high, low");
        assert!(
            found[0].1.contains(
                "high <-> low: made_up/high.rs:1 `crate::low::Low`; made_up/low/part.rs:2"
            ),
            "{}",
            found[0].1
        );
    }
    let clean = vec![
        ("high.rs".to_string(), high.to_string()),
        (
            "low.rs".to_string(),
            "pub struct Low;\n#[cfg(test)]\nmod tests {\n    use crate::high::High;\n}\n"
                .to_string(),
        ),
    ];
    let sources = parse("made_up", clean);
    assert!(cycles(&module_edges(&sources, "made_up")).is_empty());
    // A test module's lines are not code lines.
    assert_eq!(
        sources.iter().map(|s| s.code_lines).collect::<Vec<_>>(),
        [2, 1]
    );
}
