//! Text for messages and docs: names as users write them, "did you mean" suggestions, and
//! expressions printed as people write them.

use proc_macro2::{Ident, TokenStream};

/// A name as users write it (`type` for `r#type`): for messages, weight names, sublayer
/// path segments and config keys.
pub fn ident_text(ident: &Ident) -> String {
    syn::ext::IdentExt::unraw(ident).to_string()
}

/// `leaky` → `Leaky`, `hard_silu` → `HardSilu`, `relu6` → `Relu6`.
pub fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().expect("parts are not empty");
            first.to_uppercase().chain(chars).collect::<String>()
        })
        .collect()
}

/// `` (did you mean `name`?)`` with the candidate closest to `word`, or nothing when none
/// is close.
pub fn did_you_mean<S: AsRef<str>>(word: &str, candidates: &[S]) -> String {
    let candidates: Vec<&str> = candidates.iter().map(AsRef::as_ref).collect();
    closest(word, &candidates)
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default()
}

/// The names in backticks, separated by commas: `` `a`, `b`, `c` ``.
pub fn code_list<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The candidate within edit distance 2 of `word`, if any.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// Pretty-prints tokens for doc comments: `Activation::linear()`, not
/// `Activation :: linear ()`.
pub fn expr_text(tokens: &TokenStream) -> String {
    let mut out = String::new();
    write_tokens(tokens.clone(), &mut out);
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Prev {
    Start,
    Word,
    Group,
    /// A punctuation character, whether it is joined to the next one, and whether it is a
    /// prefix (unary) operator.
    Punct(char, bool, bool),
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    let mut prev = Prev::Start;
    let mut after_path_sep = false;
    for tt in tokens {
        let space = match (&tt, prev) {
            (_, Prev::Start) => false,
            (_, Prev::Punct(_, true, _)) => false,
            (_, Prev::Punct(_, _, true)) => false,
            (_, Prev::Punct('.', ..)) => false,
            (_, Prev::Punct(':', ..)) if after_path_sep => false,
            (TokenTree::Punct(p), _) if matches!(p.as_char(), '.' | ',' | ';' | '?' | ':') => false,
            (TokenTree::Punct(p), Prev::Word)
                if p.as_char() == '!' && p.spacing() == Spacing::Alone =>
            {
                false
            }
            (TokenTree::Group(g), Prev::Word | Prev::Group | Prev::Punct('!', false, false)) => {
                g.delimiter() == Delimiter::Brace
            }
            _ => true,
        };
        if space {
            out.push(' ');
        }
        match tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{ ", " }"),
                    Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(g.stream(), out);
                out.push_str(close);
                prev = Prev::Group;
                after_path_sep = false;
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                let joint = p.spacing() == Spacing::Joint;
                after_path_sep = c == ':' && matches!(prev, Prev::Punct(':', true, _));
                let unary = matches!(c, '-' | '!' | '&' | '*')
                    && !joint
                    && matches!(prev, Prev::Start | Prev::Punct(..));
                prev = Prev::Punct(c, joint, unary);
                out.push(c);
            }
            other => {
                out.push_str(&other.to_string());
                prev = Prev::Word;
                after_path_sep = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{camel_case, closest, expr_text};

    #[test]
    fn camel_cases_function_names() {
        assert_eq!(camel_case("leaky"), "Leaky");
        assert_eq!(camel_case("hard_silu"), "HardSilu");
        assert_eq!(camel_case("relu6"), "Relu6");
        assert_eq!(camel_case("gelu_tanh_approx"), "GeluTanhApprox");
        assert_eq!(camel_case("_private_fn"), "PrivateFn");
    }

    #[test]
    fn suggests_close_initializer_names() {
        let known = ["zeros", "glorot_uniform", "he_normal"];
        assert_eq!(closest("glorot_unifrom", &known), Some("glorot_uniform"));
        assert_eq!(closest("xavier", &known), None);
    }

    #[test]
    fn prints_expressions_compactly() {
        let e: syn::Expr = syn::parse_quote!(Activation::from_name("relu").unwrap());
        assert_eq!(
            expr_text(&quote::quote!(#e)),
            "Activation::from_name(\"relu\").unwrap()"
        );
        let e: syn::Expr = syn::parse_quote!(vec![1, 2]);
        assert_eq!(expr_text(&quote::quote!(#e)), "vec![1, 2]");
        let e: syn::Expr = syn::parse_quote!(a - -1.5 * (b != c) as f32);
        assert_eq!(expr_text(&quote::quote!(#e)), "a - -1.5 * (b != c) as f32");
        let e: syn::Expr = syn::parse_quote!(String::from("x"));
        assert_eq!(expr_text(&quote::quote!(#e)), "String::from(\"x\")");
    }
}
