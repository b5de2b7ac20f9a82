//! What every attribute of both macros parses the same way: a key set at most once
//! ([`Attr`]), flags, `crate = path`, `name = "..."`, and skipping the value of a rejected
//! key so that parsing goes on.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, Expr, LitStr, Path};

use crate::internals::ctxt::Ctxt;

/// An attribute as messages name it: `layer` with its keys, `activation` with its options.
#[derive(Clone, Copy)]
pub struct AttrName {
    /// The attribute (`layer`, `weight`, `config`, `activation`).
    pub attr: &'static str,
    /// What one of its entries is called (`key`, `option`).
    pub entry: &'static str,
}

/// One value of an attribute, set at most once. A second value is reported at its key:
/// "duplicate `layer` key `name`", or, when the keys of one `Attr` differ (a sublayer's
/// `default` and `init`), "`layer` keys `init` and `default` exclude each other".
pub struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: AttrName,
    /// The value and the key it was given with.
    value: Option<(String, T)>,
}

impl<'c, T> Attr<'c, T> {
    /// A value not given (yet).
    pub fn none(cx: &'c Ctxt, name: AttrName) -> Self {
        Attr {
            cx,
            name,
            value: None,
        }
    }

    /// Sets the value given with the key `path`, or reports a second value on `path`.
    pub fn set(&mut self, path: &Path, value: T) {
        let key = key_name(path);
        match &self.value {
            None => self.value = Some((key, value)),
            Some((first, _)) if *first == key => duplicate(self.cx, self.name, path),
            Some((first, _)) => {
                let AttrName { attr, entry } = self.name;
                self.cx.error_spanned_by(
                    path,
                    format!("`{attr}` {entry}s `{first}` and `{key}` exclude each other; keep one"),
                );
            }
        }
    }

    /// The value, if it was given.
    pub fn get(self) -> Option<T> {
        self.value.map(|(_, value)| value)
    }
}

/// Reports the key `path` given a second time, at that second occurrence.
pub fn duplicate(cx: &Ctxt, name: AttrName, path: &Path) {
    let AttrName { attr, entry } = name;
    cx.error_spanned_by(
        path,
        format!("duplicate `{attr}` {entry} `{}`", key_name(path)),
    );
}

/// The key as written: `name`, `a::b`.
pub fn key_name(path: &Path) -> String {
    match path.get_ident() {
        Some(ident) => syn::ext::IdentExt::unraw(ident).to_string(),
        None => quote::quote!(#path).to_string().replace(' ', ""),
    }
}

/// `sequential`: a key without a value; `Some` of its span, or `None` when a value was
/// given (reported).
pub fn flag(cx: &Ctxt, name: AttrName, meta: &ParseNestedMeta) -> syn::Result<Option<Span>> {
    let key = key_name(&meta.path);
    let message = format!(
        "`{}` {} `{key}` takes no value; write `{key}`",
        name.attr, name.entry
    );
    if meta.input.peek(syn::Token![=]) {
        let value: Expr = meta.value()?.parse()?;
        cx.error_spanned_by(&value, message);
        Ok(None)
    } else if meta.input.peek(syn::token::Paren) {
        let group: proc_macro2::Group = meta.input.parse()?;
        cx.error_spanned_by(&group, message);
        Ok(None)
    } else {
        Ok(Some(meta.path.segments[0].ident.span()))
    }
}

/// `crate = ::path::to::layers` or `crate = "::path::to::layers"`.
pub fn crate_path(meta: &ParseNestedMeta) -> syn::Result<Path> {
    let value = meta.value()?;
    if value.peek(LitStr) {
        value.parse::<LitStr>()?.parse::<Path>()
    } else {
        value.parse::<Path>()
    }
}

/// `name = "registered_name"`: a non-empty string; `None` when it is empty (reported).
pub fn name(cx: &Ctxt, name: AttrName, meta: &ParseNestedMeta) -> syn::Result<Option<LitStr>> {
    let value: LitStr = meta.value()?.parse()?;
    if value.value().is_empty() {
        cx.error_spanned_by(
            &value,
            format!("`{}` {} `name` must not be empty", name.attr, name.entry),
        );
        return Ok(None);
    }
    Ok(Some(value))
}

/// Parses the keys of `attr` with `parse_key`; a syntax error ends the parsing and is
/// reported. Whether it parsed to the end.
pub fn parse_keys(
    cx: &Ctxt,
    attr: &Attribute,
    parse_key: impl FnMut(ParseNestedMeta) -> syn::Result<()>,
) -> bool {
    match attr.parse_nested_meta(parse_key) {
        Ok(()) => true,
        Err(e) => {
            cx.syn_error(e);
            false
        }
    }
}

/// Reports a key the attribute does not have, on the key: "unknown `weight` key `shap`;
/// expected …", and skips its value so that parsing goes on.
pub fn unknown_key(
    cx: &Ctxt,
    name: AttrName,
    meta: &ParseNestedMeta,
    expected: &str,
) -> syn::Result<()> {
    let AttrName { attr, entry } = name;
    let key = key_name(&meta.path);
    cx.error_spanned_by(
        &meta.path,
        format!("unknown `{attr}` {entry} `{key}`; expected {expected}"),
    );
    skip_value(meta)
}

/// Consumes whatever value follows a key that is being rejected (`= EXPR` or `(...)`), so
/// that parsing goes on with the next key.
pub fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::Group>()?;
    }
    Ok(())
}
