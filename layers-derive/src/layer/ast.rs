//! The `#[derive(Layer)]` input as the later stages see it: the struct, its attributes, and
//! each field classified as config, weight, sublayer or skipped.

use syn::{Data, DeriveInput, Fields, Generics, Ident, Type};

use super::attr::{self, FieldKind};
use crate::ctxt::Ctxt;

/// The struct being derived.
pub struct Container<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// Its generics, passed through to every impl.
    pub generics: &'a Generics,
    /// Its `#[layer(...)]` attribute.
    pub attrs: attr::Container,
    /// Its fields, or `None` when it is not a struct with named fields (already reported).
    pub fields: Option<Vec<Field<'a>>>,
}

/// One named field.
pub struct Field<'a> {
    /// The field's name.
    pub ident: &'a Ident,
    /// The field's type.
    pub ty: &'a Type,
    /// What the field is.
    pub kind: FieldKind,
    /// The field's doc comment lines, for the docs of `new` and of its setter.
    pub docs: Vec<String>,
}

impl Field<'_> {
    /// The name users write and see (`type` for `r#type`), used for weight names,
    /// sublayer path segments and config keys.
    pub fn name(&self) -> String {
        attr::ident_text(self.ident)
    }
}

impl<'a> Container<'a> {
    /// Reads the input, reporting what is not a struct with named fields.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Container<'a> {
        let attrs = attr::container(cx, &input.attrs);
        let name = &input.ident;
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(
                    named
                        .named
                        .iter()
                        .map(|f| Field {
                            ident: f.ident.as_ref().expect("named fields have names"),
                            ty: &f.ty,
                            kind: attr::field(cx, f.ident.as_ref().expect("named"), &f.attrs),
                            docs: doc_lines(&f.attrs),
                        })
                        .collect(),
                ),
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(
                        unnamed,
                        format!(
                            "`#[derive(Layer)]` needs named fields, so that weights, \
                             sublayers and config have names: write `struct {name} {{ … }}`"
                        ),
                    );
                    None
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        name,
                        format!(
                            "`#[derive(Layer)]` needs a struct with named fields; for a layer \
                             without weights or config write `struct {name} {{}}`"
                        ),
                    );
                    None
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(
                    data.enum_token,
                    "`#[derive(Layer)]` supports structs with named fields, not enums",
                );
                None
            }
            Data::Union(data) => {
                cx.error_spanned_by(
                    data.union_token,
                    "`#[derive(Layer)]` supports structs with named fields, not unions",
                );
                None
            }
        };
        Container {
            ident: name,
            generics: &input.generics,
            attrs,
            fields,
        }
    }
}

/// The text of `#[doc = "..."]` attributes (`///` comments), one entry per line.
pub fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}
