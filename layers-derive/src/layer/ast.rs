//! The `#[derive(Layer)]` input as the later stages see it: the struct, its attributes, and
//! each field classified as config, weight, sublayer or skipped.

use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Generics, Ident, Lit, Type, UnOp};

use super::attr::container::{self, Container as ContainerAttrs};
use super::attr::field::{self, FieldKind, SublayerInit, Weight};
use crate::internals::ctxt::Ctxt;
use crate::internals::text::ident_text;

/// The struct being derived.
pub struct Container<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// Its generics, passed through to every impl.
    pub generics: &'a Generics,
    /// Its `#[layer(...)]` attribute.
    pub attrs: ContainerAttrs,
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
        ident_text(self.ident)
    }

    /// Whether the field is config (a hyperparameter).
    pub fn is_config(&self) -> bool {
        matches!(self.kind, FieldKind::Config(_))
    }

    /// Whether the field is a `#[weight]`.
    pub fn is_weight(&self) -> bool {
        matches!(self.kind, FieldKind::Weight(_))
    }

    /// Whether the field is a `#[layer]`.
    pub fn is_sublayer(&self) -> bool {
        matches!(self.kind, FieldKind::Sublayer(_))
    }

    /// Whether `new()` takes the field as an argument: config without a default, and
    /// sublayers marked `#[layer]` alone.
    pub fn is_new_argument(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Config(None) | FieldKind::Sublayer(SublayerInit::Arg)
        )
    }
}

impl<'a> Container<'a> {
    /// Reads the input, reporting what is not a struct with named fields.
    pub fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Container<'a> {
        let attrs = container::container(cx, &input.attrs);
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
                            kind: field::field(
                                cx,
                                f.ident.as_ref().expect("named fields have names"),
                                &f.attrs,
                            ),
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

    /// The fields, none when the input is not a struct with named fields.
    pub fn fields(&self) -> &[Field<'a>] {
        self.fields.as_deref().unwrap_or(&[])
    }

    /// The config fields, in declaration order.
    pub fn config_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields().iter().filter(|f| f.is_config())
    }

    /// The `#[weight]` fields with their attribute, in declaration order.
    pub fn weight_fields(&self) -> impl Iterator<Item = (&Field<'a>, &Weight)> {
        self.fields().iter().filter_map(|f| match &f.kind {
            FieldKind::Weight(weight) => Some((f, &**weight)),
            _ => None,
        })
    }

    /// The `#[layer]` fields, in declaration order.
    pub fn sublayer_fields(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields().iter().filter(|f| f.is_sublayer())
    }

    /// The names of the config fields, as users write them.
    pub fn config_names(&self) -> Vec<String> {
        self.config_fields().map(Field::name).collect()
    }

    /// The name shown in summaries: `#[layer(name = "...")]`, or the struct's name.
    pub fn type_name(&self) -> String {
        match &self.attrs.name {
            Some(name) => name.value(),
            None => ident_text(self.ident),
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

/// Whether `expr` is the bare path `input` (of `input[i]` in a weight's shape).
pub fn is_input(expr: &Expr) -> bool {
    matches!(expr, Expr::Path(p) if p.qself.is_none() && p.path.is_ident("input"))
}

/// The axis of `input[axis]` in a weight's shape, if `index` is an integer literal,
/// possibly negated.
pub fn input_axis(index: &Expr) -> Option<syn::Result<isize>> {
    let (negative, lit) = match index {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => (false, lit),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => match &*u.expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(lit), ..
            }) => (true, lit),
            _ => return None,
        },
        Expr::Paren(p) => return input_axis(&p.expr),
        Expr::Group(g) => return input_axis(&g.expr),
        _ => return None,
    };
    Some(
        lit.base10_parse::<isize>()
            .map(|v| if negative { -v } else { v }),
    )
}
