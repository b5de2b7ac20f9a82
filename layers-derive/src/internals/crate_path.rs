//! Where the runtime lives, as seen from the crate being compiled: generated code names
//! everything through `<runtime>::__private`, and the runtime may be reached as `layers` (the
//! facade), as `layers_core` (a direct dependency), or as `layers_core` from inside the core
//! itself (which declares `extern crate self as layers_core;`).
//!
//! The rule, in order:
//! 1. an explicit `crate = path` in the attribute: `path::__private`;
//! 2. compiling `layers-core` itself (its lib, tests, doc tests): `::layers_core::__private`;
//! 3. the compiled package's `Cargo.toml` has a dependency key `layers` (in
//!    `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` or a target table, as
//!    `layers = …`, `layers.workspace = true` or `[dependencies.layers]`):
//!    `::layers::__private`;
//! 4. it has a dependency key `layers-core`: `::layers_core::__private`;
//! 5. otherwise `::layers::__private`, which is what the docs tell users to depend on.
//!
//! A renamed dependency (`nn = { package = "layers" }`) needs rule 1: `crate = ::nn`.

use proc_macro2::TokenStream;
use quote::quote;

/// The path of the runtime's `__private` module for the crate being compiled.
pub fn private_path(explicit: Option<&syn::Path>) -> TokenStream {
    if let Some(path) = explicit {
        return quote!(#path::__private);
    }
    match runtime_crate() {
        Runtime::Facade => quote!(::layers::__private),
        Runtime::Core => quote!(::layers_core::__private),
    }
}

enum Runtime {
    Facade,
    Core,
}

fn runtime_crate() -> Runtime {
    if std::env::var("CARGO_PKG_NAME").is_ok_and(|name| name == "layers-core") {
        return Runtime::Core;
    }
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|dir| std::fs::read_to_string(std::path::Path::new(&dir).join("Cargo.toml")).ok())
        .unwrap_or_default();
    if depends_on(&manifest, "layers") {
        Runtime::Facade
    } else if depends_on(&manifest, "layers-core") {
        Runtime::Core
    } else {
        Runtime::Facade
    }
}

/// Whether the manifest text declares a dependency keyed `name` in any dependency table.
///
/// A line-based reading of TOML that is enough for manifests: table headers, and keys at
/// the start of a line followed by `=` or `.`.
fn depends_on(manifest: &str, name: &str) -> bool {
    let mut in_dependency_table = false;
    for raw in manifest.lines() {
        let line = strip_comment(raw).trim();
        if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_start_matches('[');
            let header = header.split(']').next().unwrap_or("");
            let parts = dotted_keys(header);
            let n = parts.len();
            // `[dependencies.layers]`, `[target.'cfg(unix)'.dev-dependencies.layers]`
            if n >= 2 && is_dependency_table(&parts[n - 2]) && parts[n - 1] == name {
                return true;
            }
            in_dependency_table = n >= 1 && is_dependency_table(&parts[n - 1]);
            continue;
        }
        if !in_dependency_table {
            continue;
        }
        let key_end = line.find(['=', '.']).unwrap_or(line.len());
        if key_end == line.len() {
            continue;
        }
        if unquote(line[..key_end].trim()) == name {
            return true;
        }
    }
    false
}

fn is_dependency_table(key: &str) -> bool {
    matches!(
        key,
        "dependencies"
            | "dev-dependencies"
            | "build-dependencies"
            | "dev_dependencies"
            | "build_dependencies"
    )
}

/// Splits `a.'b.c'."d"` into `a`, `b.c`, `d`.
fn dotted_keys(header: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in header.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => parts.last_mut().expect("parts is never empty").push(c),
            (None, '\'' | '"') => quote = Some(c),
            (None, '.') => parts.push(String::new()),
            (None, c) if c.is_whitespace() => {}
            (None, c) => parts.last_mut().expect("parts is never empty").push(c),
        }
    }
    parts
}

fn unquote(key: &str) -> &str {
    key.trim_matches(|c| c == '"' || c == '\'')
}

/// The line without a trailing `# comment` (a `#` inside a string is kept).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::depends_on;

    #[test]
    fn finds_every_spelling_of_a_dependency() {
        assert!(depends_on("[dependencies]\nlayers = \"0.1\"\n", "layers"));
        assert!(depends_on(
            "[dependencies]\nlayers.workspace = true\n",
            "layers"
        ));
        assert!(depends_on(
            "[dependencies]\n\"layers\" = { path = \"..\" }\n",
            "layers"
        ));
        assert!(depends_on(
            "[dev-dependencies]\nlayers = { path = \"..\" }\n",
            "layers"
        ));
        assert!(depends_on(
            "[dependencies.layers]\npath = \"/work\"\n",
            "layers"
        ));
        assert!(depends_on(
            "[target.'cfg(unix)'.dependencies]\nlayers = \"1\" # the facade\n",
            "layers"
        ));
        assert!(depends_on(
            "[dependencies]\nlayers-core = \"0.1\"\n",
            "layers-core"
        ));
    }

    #[test]
    fn ignores_other_keys_and_tables() {
        assert!(!depends_on(
            "[dependencies]\nlayers-core = \"0.1\"\n",
            "layers"
        ));
        assert!(!depends_on("[package]\nname = \"layers\"\n", "layers"));
        assert!(!depends_on("[features]\nlayers = []\n", "layers"));
        assert!(!depends_on(
            "[dependencies.foo]\nfeatures = [\n  \"layers\"\n]\n",
            "layers"
        ));
        assert!(!depends_on("[dependencies]\n# layers = \"1\"\n", "layers"));
    }
}
