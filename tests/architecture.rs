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
//! `use crate::{error::Error, tensor::Tensor};`, a path in code (`crate::shape::NoCheck`),
//! `super::` that leaves the module, and a name re-exported at the crate root
//! (`crate::Tensor` counts as `tensor`). `python3 ../shared/tools/house.py` applies the same
//! rules.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_CODE_LINES: usize = 500;

/// Findings that another part of issue 10 removes (the derive crate's parse → check → expand
/// split), so that this check guards everything else meanwhile. Once a finding is gone its
/// line must go too: a listed finding that no longer occurs fails the test.
const PENDING: &[&str] = &[
    "cycle in layers-derive: layer::builder, layer::expand",
    "long file: layers-derive/src/layer/attr.rs",
];

/// One source file: its path for messages, its module path and its code as tokens.
struct Source {
    path: String,
    module: Vec<String>,
    tokens: Vec<Token>,
    code_lines: usize,
    /// Child modules declared under `#[cfg(test)]` (`mod tests;`): test code, not counted.
    test_children: Vec<String>,
}

#[derive(Clone, Debug)]
struct Token {
    text: String,
    line: usize,
}

/// Where a dependency comes from: the file, its line and the path as written.
#[derive(Clone, Debug)]
struct Witness {
    path: String,
    line: usize,
    written: String,
}

type Edges = BTreeMap<String, BTreeMap<String, Witness>>;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Code,
    Comment,
    Literal,
}

fn peek(c: &[char], k: usize) -> Option<char> {
    c.get(k).copied()
}

/// Classifies every character as code, comment or string/char literal.
fn classify(src: &str) -> Vec<(char, Kind)> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::with_capacity(c.len());
    let mut i = 0;
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    while i < c.len() {
        if c[i] == '/' && peek(&c, i + 1) == Some('/') {
            while i < c.len() && c[i] != '\n' {
                out.push((c[i], Kind::Comment));
                i += 1;
            }
        } else if c[i] == '/' && peek(&c, i + 1) == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && peek(&c, i + 1) == Some('*') {
                    depth += 1;
                    out.extend([(c[i], Kind::Comment), ('*', Kind::Comment)]);
                    i += 2;
                } else if c[i] == '*' && peek(&c, i + 1) == Some('/') {
                    depth -= 1;
                    out.extend([('*', Kind::Comment), ('/', Kind::Comment)]);
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push((c[i], Kind::Comment));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]))
            && matches!(peek(&c, i + 1), Some('"' | '#'))
            && c[i + 1..].iter().find(|&&ch| ch != '#') == Some(&'"')
        {
            // A raw string `r#"…"#`: it ends at a quote followed by as many hashes.
            let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
            let start = i;
            i += 2 + hashes;
            while i < c.len()
                && !(c[i] == '"'
                    && c[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&h| h == '#')
                        .count()
                        == hashes)
            {
                i += 1;
            }
            i = (i + 1 + hashes).min(c.len());
            out.extend(c[start..i].iter().map(|&ch| (ch, Kind::Literal)));
        } else if c[i] == '"' {
            out.push((c[i], Kind::Literal));
            i += 1;
            while i < c.len() && c[i] != '"' {
                let step = if c[i] == '\\' { 2 } else { 1 };
                for k in 0..step.min(c.len() - i) {
                    out.push((c[i + k], Kind::Literal));
                }
                i += step;
            }
            if i < c.len() {
                out.push((c[i], Kind::Literal));
                i += 1;
            }
        } else if c[i] == '\'' && (peek(&c, i + 1) == Some('\\') || peek(&c, i + 2) == Some('\'')) {
            // A char literal (`'a'`, `'\n'`, `'\u{1F600}'`); `'a` alone is a lifetime.
            let start = i;
            i += if peek(&c, i + 1) == Some('\\') { 3 } else { 1 };
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i = (i + 1).min(c.len());
            out.extend(c[start..i].iter().map(|&ch| (ch, Kind::Literal)));
        } else {
            out.push((c[i], Kind::Code));
            i += 1;
        }
    }
    out
}

/// The code's tokens (identifiers, `::` and single punctuation; literals and comments
/// dropped) and the lines that hold code or literals.
fn tokenize(chars: &[(char, Kind)]) -> (Vec<Token>, BTreeSet<usize>) {
    let (mut tokens, mut lines) = (Vec::new(), BTreeSet::new());
    let (mut line, mut i) = (1, 0);
    while i < chars.len() {
        let (ch, kind) = chars[i];
        if ch == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if kind != Kind::Comment && !ch.is_whitespace() {
            lines.insert(line);
        }
        if kind != Kind::Code || ch.is_whitespace() {
            i += 1;
            continue;
        }
        let word_char = |k: usize| {
            chars
                .get(k)
                .is_some_and(|&(c, k)| k == Kind::Code && (c.is_alphanumeric() || c == '_'))
        };
        let start = i;
        if word_char(i) {
            while word_char(i) {
                i += 1;
            }
        } else if ch == ':' && chars.get(i + 1).is_some_and(|&(c, _)| c == ':') {
            i += 2;
        } else {
            i += 1;
        }
        let text = chars[start..i].iter().map(|&(c, _)| c).collect();
        tokens.push(Token { text, line });
    }
    (tokens, lines)
}

fn is_word(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The index just past the item starting at `i`: its `;`, or its `{ … }` block.
fn item_end(t: &[Token], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < t.len() {
        match t[i].text.as_str() {
            ";" if depth == 0 => return i + 1,
            "{" => depth += 1,
            "}" => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    t.len()
}

/// Removes the items marked `#[cfg(test)]`, returning the lines they spanned and the names
/// of test modules declared as files (`#[cfg(test)] mod tests;`).
fn strip_test_items(tokens: &mut Vec<Token>) -> (BTreeSet<usize>, Vec<String>) {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let (mut lines, mut children) = (BTreeSet::new(), Vec::new());
    let mut i = 0;
    while i + CFG_TEST.len() <= tokens.len() {
        let at_cfg_test = CFG_TEST
            .iter()
            .enumerate()
            .all(|(k, s)| tokens[i + k].text == *s);
        if !at_cfg_test {
            i += 1;
            continue;
        }
        let end = item_end(tokens, i + CFG_TEST.len());
        let item: Vec<&str> = tokens[i..end].iter().map(|t| t.text.as_str()).collect();
        if let Some(at) = item.iter().position(|&s| s == "mod")
            && item.get(at + 2) == Some(&";")
        {
            children.push(item[at + 1].to_string());
        }
        lines.extend(tokens[i].line..=tokens[end - 1].line);
        tokens.drain(i..end);
    }
    (lines, children)
}

/// Parses one `use` tree from `t[*i]`, adding each full path it names to `out`.
fn use_tree(
    t: &[Token],
    i: &mut usize,
    mut path: Vec<String>,
    out: &mut Vec<(Vec<String>, usize)>,
) {
    let line = t.get(*i).map_or(0, |tok| tok.line);
    while let Some(tok) = t.get(*i) {
        match tok.text.as_str() {
            "::" => *i += 1,
            "as" => *i += 2,
            "{" => {
                *i += 1;
                while let Some(tok) = t.get(*i) {
                    match tok.text.as_str() {
                        "}" => {
                            *i += 1;
                            return;
                        }
                        "," => *i += 1,
                        _ => use_tree(t, i, path.clone(), out),
                    }
                }
                return;
            }
            "*" => *i += 1,
            w if is_word(w) => {
                path.push(w.to_string());
                *i += 1;
            }
            _ => break,
        }
    }
    out.push((path, line));
}

/// Every path that starts at the crate root or a module (`crate::`, `super::`, `self::`,
/// the crate's own name), with the line it is written on and the inline module around it.
fn paths(t: &[Token], crate_name: &str) -> Vec<(Vec<String>, usize, Vec<String>)> {
    let mut out = Vec::new();
    let (mut inline, mut depth) = (Vec::<(String, usize)>::new(), 0usize);
    let mut i = 0;
    while i < t.len() {
        let here: Vec<String> = inline.iter().map(|(m, _)| m.clone()).collect();
        let text = t[i].text.as_str();
        let next = t.get(i + 1).map(|tok| tok.text.as_str());
        if text == "use" {
            let mut found = Vec::new();
            i += 1;
            use_tree(t, &mut i, Vec::new(), &mut found);
            out.extend(found.into_iter().map(|(p, line)| (p, line, here.clone())));
        } else if matches!(text, "crate" | "super" | "self") || text == crate_name {
            let mut path = vec![text.to_string()];
            let line = t[i].line;
            i += 1;
            while t.get(i).is_some_and(|tok| tok.text == "::")
                && t.get(i + 1).is_some_and(|tok| is_word(&tok.text))
            {
                path.push(t[i + 1].text.clone());
                i += 2;
            }
            if path.len() > 1 {
                out.push((path, line, here));
            }
        } else {
            match text {
                "mod"
                    if next.is_some_and(is_word) && t.get(i + 2).is_some_and(|t| t.text == "{") =>
                {
                    inline.push((next.unwrap_or_default().to_string(), depth + 1));
                }
                "{" => depth += 1,
                "}" => {
                    if inline.last().is_some_and(|&(_, d)| d == depth) {
                        inline.pop();
                    }
                    depth = depth.saturating_sub(1);
                }
                _ => {}
            }
            i += 1;
        }
    }
    out
}

/// The absolute path (from the crate root) that `path`, written in `module`, names.
fn resolve(module: &[String], path: &[String], crate_name: &str) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut base = match first.as_str() {
        "crate" => Vec::new(),
        name if name == crate_name => Vec::new(),
        "self" => module.to_vec(),
        "super" => module[..module.len().checked_sub(1)?].to_vec(),
        _ => return None,
    };
    let mut rest = rest.iter().peekable();
    while rest.next_if(|s| *s == "super").is_some() {
        base.pop()?;
    }
    base.extend(rest.filter(|s| *s != "self").cloned());
    Some(base)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Reads and parses one crate's sources: `(path relative to the crate root, text)` pairs.
fn parse(root: &str, files: Vec<(String, String)>) -> Vec<Source> {
    let mut sources: Vec<Source> = files
        .into_iter()
        .map(|(rel, text)| {
            let mut module: Vec<String> = rel
                .trim_end_matches(".rs")
                .split('/')
                .map(String::from)
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let chars = classify(&text);
            let (mut tokens, lines) = tokenize(&chars);
            let (test_lines, test_children) = strip_test_items(&mut tokens);
            Source {
                path: format!("{root}/{rel}"),
                module,
                tokens,
                code_lines: lines.difference(&test_lines).count(),
                test_children,
            }
        })
        .collect();
    // Files of test modules (and their own children) are tests, not code.
    let test_modules: Vec<Vec<String>> = sources
        .iter()
        .flat_map(|s| {
            s.test_children
                .iter()
                .map(|c| [s.module.clone(), vec![c.clone()]].concat())
        })
        .collect();
    sources.retain(|s| !test_modules.iter().any(|t| s.module.starts_with(t)));
    sources
}

fn read_crate(root: &Path, dir: &str) -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(&root.join(dir), &mut files);
    let files = files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root.join(dir))
                .expect("under the crate root");
            let rel = rel.to_string_lossy().replace('\\', "/");
            let text = fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (rel, text)
        })
        .collect();
    parse(dir, files)
}

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
fn module_edges(sources: &[Source], crate_name: &str) -> Edges {
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
fn file_edges(sources: &[Source], crate_name: &str) -> Edges {
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
fn cycles(edges: &Edges) -> Vec<Vec<String>> {
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
fn cycle_findings(krate: &str, edges: &Edges) -> Vec<(String, String)> {
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
                "\n  `{pending}` is fixed: remove it from PENDING in tests/architecture.rs"
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
