//! The parts of the layer that `new` computes from the config: each weight's initializer,
//! trainable flag, regularizer and constraint, and each sublayer made by `new`. One associated function
//! `__layers_parts(&config…)` computes them, so that `new` and the setters of the config
//! fields they use share one copy of the user's expressions.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::scope::add_used_config;
use crate::internals::initializer;
use crate::layer::ast::{Container, Field};
use crate::layer::attr::field::{FieldKind, Init, SublayerInit};

/// The fields with parts, and the config they use.
pub struct Parts<'f, 'a> {
    /// The fields with parts, in declaration order.
    pub fields: Vec<&'f Field<'a>>,
    /// The config fields the part expressions use, by name.
    pub used_config: BTreeSet<String>,
}

impl<'f, 'a> Parts<'f, 'a> {
    /// The weights and the sublayers made by `new`.
    pub fn of(container: &'f Container<'a>) -> Self {
        let mut used_config = BTreeSet::new();
        let mut fields = Vec::new();
        for f in container.fields() {
            let exprs: Vec<&Expr> = match &f.kind {
                FieldKind::Weight(w) => {
                    let init = match &w.init {
                        Init::Expr(e) => Some(e),
                        _ => None,
                    };
                    init.into_iter()
                        .chain(w.trainable.as_ref())
                        .chain(w.regularizer.as_ref())
                        .chain(w.constraint.as_ref())
                        .collect()
                }
                FieldKind::Sublayer(SublayerInit::Expr(e)) => vec![e],
                FieldKind::Sublayer(SublayerInit::Default) => vec![],
                _ => continue,
            };
            for e in exprs {
                add_used_config(container, quote!(#e), &mut used_config);
            }
            fields.push(f);
        }
        Parts {
            fields,
            used_config,
        }
    }

    /// The variable a field's part is bound to.
    fn var(field: &Field) -> Ident {
        format_ident!("__layers_part_{}", field.name())
    }

    /// `let (parts…) = Self::__layers_parts(&config…);`, the config read through `source`
    /// (`quote!()` for the locals of `new`, `quote!(self.)` for setters).
    pub fn compute(&self, container: &Container, source: TokenStream) -> TokenStream {
        if self.fields.is_empty() {
            return TokenStream::new();
        }
        let vars = self.fields.iter().map(|f| Self::var(f));
        let config = container.config_fields().map(|f| {
            let name = f.ident;
            quote!(&#source #name)
        });
        quote!(let (#(#vars,)*) = Self::__layers_parts(#(#config),*);)
    }

    /// The value of a field with a part, from its variable.
    pub fn value(container: &Container, field: &Field) -> TokenStream {
        let var = Self::var(field);
        match &field.kind {
            FieldKind::Weight(w) => {
                let name = field.name();
                // The config field a regularizer or constraint comes from names it in
                // the weight's build errors (`depthwise_constraint` for a `kernel`).
                let setting = |expr: &Option<Expr>, kind: &str| {
                    let mut used = BTreeSet::new();
                    if let Some(e) = expr {
                        add_used_config(container, quote!(#e), &mut used);
                    }
                    match (used.len(), used.into_iter().next()) {
                        (1, Some(one)) => one,
                        _ => format!("{name}_{kind}"),
                    }
                };
                let regularizer_setting = setting(&w.regularizer, "regularizer");
                let constraint_setting = setting(&w.constraint, "constraint");
                quote!(
                    __layers::Weight::unbuilt(#name, #var.0, #var.1)
                        .with_regularizer(#var.2)
                        .with_constraint(#var.3)
                        .with_setting_names(#regularizer_setting, #constraint_setting)
                )
            }
            _ => quote!(#var),
        }
    }

    /// The `__layers_parts` function.
    pub fn function(&self, container: &Container) -> TokenStream {
        if self.fields.is_empty() {
            return TokenStream::new();
        }
        let params = container.config_fields().map(|f| {
            let (name, ty) = (f.ident, f.ty);
            quote!(#name: &#ty)
        });
        let bindings = container
            .config_fields()
            .filter(|f| self.used_config.contains(&f.name()))
            .map(|f| {
                let (name, ty) = (f.ident, f.ty);
                quote!(let #name: #ty = ::core::clone::Clone::clone(#name);)
            });
        let types = self.fields.iter().map(|f| match &f.kind {
            FieldKind::Weight(_) => quote!((
                __layers::Initializer,
                bool,
                ::core::option::Option<__layers::Regularizer>,
                ::core::option::Option<__layers::Constraint>
            )),
            _ => {
                let ty = f.ty;
                quote!(#ty)
            }
        });
        let values = self.fields.iter().map(|f| part_value(f));
        quote! {
            #[allow(
                unused_variables,
                clippy::type_complexity,
                clippy::too_many_arguments,
                clippy::ptr_arg,
                clippy::trivially_copy_pass_by_ref
            )]
            fn __layers_parts(#(#params),*) -> (#(#types,)*) {
                #(#bindings)*
                (#(#values,)*)
            }
        }
    }
}

/// What `__layers_parts` computes for one field: a weight's initializer and trainable
/// flag, or a sublayer.
fn part_value(field: &Field) -> TokenStream {
    match &field.kind {
        FieldKind::Weight(w) => {
            let init = match &w.init {
                Init::Default => named_initializer(&Literal::string(initializer::DEFAULT)),
                Init::Name(name) => named_initializer(name),
                Init::Expr(e) => quote_spanned! {e.span()=>
                    { let __layers_init: __layers::Initializer = #e; __layers_init }
                },
            };
            let trainable = match &w.trainable {
                Some(e) => quote_spanned! {e.span()=>
                    { let __layers_trainable: bool = #e; __layers_trainable }
                },
                None => quote!(true),
            };
            let regularizer = match &w.regularizer {
                Some(e) => quote_spanned! {e.span()=>
                    {
                        let __layers_regularizer: ::core::option::Option<__layers::Regularizer> =
                            __layers::IntoRegularizer::into_regularizer(#e);
                        __layers_regularizer
                    }
                },
                None => quote!(::core::option::Option::None),
            };
            let constraint = match &w.constraint {
                Some(e) => quote_spanned! {e.span()=>
                    {
                        let __layers_constraint: ::core::option::Option<__layers::Constraint> =
                            __layers::IntoConstraint::into_constraint(#e);
                        __layers_constraint
                    }
                },
                None => quote!(::core::option::Option::None),
            };
            quote!((#init, #trainable, #regularizer, #constraint))
        }
        FieldKind::Sublayer(SublayerInit::Expr(e)) => quote!(#e),
        _ => quote_spanned!(field.ty.span()=> ::core::default::Default::default()),
    }
}

fn named_initializer(name: &dyn quote::ToTokens) -> TokenStream {
    quote! {
        __layers::Initializer::from_name(#name)
            .expect("`#[derive(Layer)]` checked this initializer name when it compiled the layer")
    }
}
