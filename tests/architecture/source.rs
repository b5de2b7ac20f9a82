//! Reading a crate's sources: which characters are code, the code's tokens, the `use`
//! trees and paths in it, and the module each path names.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One source file: its path for messages, its module path and its code as tokens.
pub(crate) struct Source {
    pub(crate) path: String,
    pub(crate) module: Vec<String>,
    pub(crate) tokens: Vec<Token>,
    pub(crate) code_lines: usize,
    /// Child modules declared under `#[cfg(test)]` (`mod tests;`): test code, not counted.
    test_children: Vec<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) text: String,
    pub(crate) line: usize,
}

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
pub(crate) fn use_tree(
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
pub(crate) fn paths(t: &[Token], crate_name: &str) -> Vec<(Vec<String>, usize, Vec<String>)> {
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
pub(crate) fn resolve(module: &[String], path: &[String], crate_name: &str) -> Option<Vec<String>> {
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
pub(crate) fn parse(root: &str, files: Vec<(String, String)>) -> Vec<Source> {
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

pub(crate) fn read_crate(root: &Path, dir: &str) -> Vec<Source> {
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
