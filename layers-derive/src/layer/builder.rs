//! The inherent impl `#[derive(Layer)]` writes: `new(...)` with the config (and plain
//! sublayers) as arguments, and a builder method per config field with a default.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, Ident};

use super::ast::{Container, Field};
use super::attr::{self, ConfigDefault, DEFAULT_INITIALIZER, FieldKind, Init, SublayerInit};
use super::expand::is_argument;
use crate::text::expr_text;

/// The parts of the layer that `new` computes from the config: each weight's initializer
/// and trainable flag, and each sublayer made by `new`. One associated function
/// `__layers_parts(&config…)` computes them, so that `new` and the setters of the config
/// fields they use share one copy of the user's expressions.
struct Parts<'f, 'a> {
    /// The fields with parts, in declaration order.
    fields: Vec<&'f Field<'a>>,
    /// The config fields the part expressions use, by name.
    used_config: BTreeSet<String>,
}

impl<'f, 'a> Parts<'f, 'a> {
    fn of(fields: &'f [Field<'a>]) -> Self {
        let config: Vec<String> = fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Config(_)))
            .map(Field::name)
            .collect();
        let mut used_config = BTreeSet::new();
        let mut parts = Vec::new();
        for f in fields {
            let exprs: Vec<&Expr> = match &f.kind {
                FieldKind::Weight(w) => {
                    let init = match &w.init {
                        Init::Expr(e) => Some(e),
                        _ => None,
                    };
                    init.into_iter().chain(w.trainable.as_ref()).collect()
                }
                FieldKind::Sublayer(SublayerInit::Expr(e)) => vec![e],
                FieldKind::Sublayer(SublayerInit::Default) => vec![],
                _ => continue,
            };
            for e in exprs {
                mentioned_names(quote!(#e), &config, &mut used_config);
            }
            parts.push(f);
        }
        Parts {
            fields: parts,
            used_config,
        }
    }

    /// The variable a field's part is bound to.
    fn var(field: &Field) -> Ident {
        format_ident!("__layers_part_{}", field.name())
    }

    /// `let (parts…) = Self::__layers_parts(&config…);`, the config read through `source`
    /// (`quote!()` for the locals of `new`, `quote!(self.)` for setters).
    fn compute(&self, fields: &[Field], source: TokenStream) -> TokenStream {
        if self.fields.is_empty() {
            return TokenStream::new();
        }
        let vars = self.fields.iter().map(|f| Self::var(f));
        let config = fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Config(_)))
            .map(|f| {
                let name = f.ident;
                quote!(&#source #name)
            });
        quote!(let (#(#vars,)*) = Self::__layers_parts(#(#config),*);)
    }

    /// The value of a field with a part, from its variable.
    fn value(field: &Field) -> TokenStream {
        let var = Self::var(field);
        match field.kind {
            FieldKind::Weight(_) => {
                let name = field.name();
                quote!(__layers::Weight::unbuilt(#name, #var.0, #var.1))
            }
            _ => quote!(#var),
        }
    }

    /// The `__layers_parts` function.
    fn function(&self, fields: &[Field]) -> TokenStream {
        if self.fields.is_empty() {
            return TokenStream::new();
        }
        let params = fields
            .iter()
            .filter(|f| matches!(f.kind, FieldKind::Config(_)))
            .map(|f| {
                let (name, ty) = (f.ident, f.ty);
                quote!(#name: &#ty)
            });
        let bindings = fields
            .iter()
            .filter(|f| self.used_config.contains(&f.name()))
            .map(|f| {
                let (name, ty) = (f.ident, f.ty);
                quote!(let #name: #ty = ::core::clone::Clone::clone(#name);)
            });
        let types = self.fields.iter().map(|f| match &f.kind {
            FieldKind::Weight(_) => quote!((__layers::Initializer, bool)),
            _ => {
                let ty = f.ty;
                quote!(#ty)
            }
        });
        let values = self.fields.iter().map(|f| match &f.kind {
            FieldKind::Weight(w) => {
                let init = match &w.init {
                    Init::Default => named_initializer(&Literal::string(DEFAULT_INITIALIZER)),
                    Init::Name(name) => named_initializer(name),
                    Init::Expr(e) => quote_spanned!(e.span()=> { let __layers_init: __layers::Initializer = #e; __layers_init }),
                };
                let trainable = match &w.trainable {
                    Some(e) => quote_spanned!(e.span()=> { let __layers_trainable: bool = #e; __layers_trainable }),
                    None => quote!(true),
                };
                quote!((#init, #trainable))
            }
            FieldKind::Sublayer(SublayerInit::Expr(e)) => quote!(#e),
            _ => quote_spanned!(f.ty.span()=> ::core::default::Default::default()),
        });
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

/// Adds to `out` each of `names` that appears as an identifier in `tokens` (macros
/// included).
pub fn mentioned_names(tokens: TokenStream, names: &[String], out: &mut BTreeSet<String>) {
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Ident(i) => {
                let name = attr::ident_text(&i);
                if names.contains(&name) {
                    out.insert(name);
                }
            }
            proc_macro2::TokenTree::Group(g) => mentioned_names(g.stream(), names, out),
            _ => {}
        }
    }
}

/// Whether `ty` is a primitive number, `bool` or `char`.
fn is_primitive(ty: &syn::Type) -> bool {
    const PRIMITIVES: [&str; 16] = [
        "usize", "u8", "u16", "u32", "u64", "u128", "isize", "i8", "i16", "i32", "i64", "i128",
        "f32", "f64", "bool", "char",
    ];
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some_and(|i| PRIMITIVES.contains(&i.to_string().as_str())))
}

/// `new` and the setters.
pub fn inherent_impl(container: &Container, fields: &[Field]) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let args: Vec<TokenStream> = fields
        .iter()
        .filter(|f| is_argument(f))
        .map(|f| {
            let (name, ty) = (f.ident, f.ty);
            quote!(#name: #ty)
        })
        .collect();
    let default_impl = default_impl(container, args.is_empty(), quote!(Self::new()));

    // Config defaults first, in declaration order, so that later ones can use earlier ones.
    let defaults = fields.iter().filter_map(|f| {
        let FieldKind::Config(Some(default)) = &f.kind else {
            return None;
        };
        let (name, ty) = (f.ident, f.ty);
        let value = match default {
            ConfigDefault::Trait => {
                quote_spanned!(ty.span()=> ::core::default::Default::default())
            }
            ConfigDefault::Expr(e) => quote!(#e),
        };
        Some(quote!(let #name: #ty = #value;))
    });
    // Then the weights' initializers and the sublayers made here, from the config.
    let parts = Parts::of(fields);
    let compute_in_new = parts.compute(fields, quote!());
    let parts_fn = parts.function(fields);

    let inits = fields.iter().map(|f| {
        let name = f.ident;
        match &f.kind {
            FieldKind::Weight(_)
            | FieldKind::Sublayer(SublayerInit::Default | SublayerInit::Expr(_)) => {
                let value = Parts::value(f);
                quote!(#name: #value)
            }
            FieldKind::Skip => {
                quote_spanned!(f.ty.span()=> #name: ::core::default::Default::default())
            }
            _ => quote!(#name),
        }
    });

    let new_doc = new_doc(container, fields);
    let setters = fields.iter().filter_map(|f| {
        let FieldKind::Config(Some(default)) = &f.kind else {
            return None;
        };
        let (name, ty) = (f.ident, f.ty);
        let default_text = match default {
            ConfigDefault::Trait => "Default::default()".to_string(),
            ConfigDefault::Expr(e) => expr_text(&quote!(#e)),
        };
        let summary = format!(" Sets `{}` (default: `{default_text}`).", f.name());
        let extra = if f.docs.is_empty() {
            quote!()
        } else {
            let docs = &f.docs;
            quote!(#[doc = ""] #(#[doc = #docs])*)
        };
        // Weights and sublayers made from this field are made again with the new value.
        let remake = parts.used_config.contains(&f.name()).then(|| {
            let compute = parts.compute(fields, quote!(self.));
            let assigns = parts.fields.iter().map(|p| {
                let (field, value) = (p.ident, Parts::value(p));
                quote!(self.#field = #value;)
            });
            quote!(#compute #(#assigns)*)
        });
        let remake_doc = remake.as_ref().map(|_| {
            quote!(
                #[doc = ""]
                #[doc = " The weights and sublayers that `new` makes from the config are made again (unbuilt) with the new value: call it before building."]
            )
        });
        // Primitive types take the value itself, so that literals infer (`.axis(-2)`);
        // others take anything convertible (`.activation(Relu)` for an `Activation`).
        let (param, convert) = if is_primitive(ty) {
            (quote!(#ty), quote!(value))
        } else {
            (
                quote!(impl ::core::convert::Into<#ty>),
                quote!(::core::convert::Into::<#ty>::into(value)),
            )
        };
        Some(quote! {
            #[doc = #summary]
            #extra
            #remake_doc
            #[must_use]
            pub fn #name(mut self, value: #param) -> Self {
                self.#name = #convert;
                #remake
                self
            }
        })
    });

    quote! {
        #[allow(dead_code, clippy::too_many_arguments, clippy::new_without_default)]
        impl #impl_generics #ident #ty_generics #where_clause {
            #(#[doc = #new_doc])*
            pub fn new(#(#args),*) -> Self {
                #(#defaults)*
                #compute_in_new
                Self { #(#inits),* }
            }

            #(#setters)*

            #parts_fn
        }

        #default_impl
    }
}

/// `impl Default` as `new()`, when `new` takes no arguments, so that the layer can be a
/// `#[layer(default)]` field.
pub fn default_impl(container: &Container, no_args: bool, body: TokenStream) -> TokenStream {
    if !no_args {
        return TokenStream::new();
    }
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    quote! {
        impl #impl_generics ::core::default::Default for #ident #ty_generics #where_clause {
            #[doc = " The layer with its default config: `new()`."]
            fn default() -> Self {
                #body
            }
        }
    }
}

fn named_initializer(name: &dyn quote::ToTokens) -> TokenStream {
    quote! {
        __layers::Initializer::from_name(#name)
            .expect("`#[derive(Layer)]` checked this initializer name when it compiled the layer")
    }
}

fn new_doc(container: &Container, fields: &[Field]) -> Vec<String> {
    let ident = attr::ident_text(container.ident);
    let weights: Vec<String> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Weight(_)))
        .map(|f| format!("`{}`", f.name()))
        .collect();
    let mut lines = vec![if weights.is_empty() {
        format!(" Creates a `{ident}` from its config.")
    } else {
        format!(
            " Creates a `{ident}` from its config; its weights ({}) are created from the first \
             input it sees, on its first call or `build`.",
            weights.join(", ")
        )
    }];
    let args: Vec<&Field> = fields.iter().filter(|f| is_argument(f)).collect();
    if !args.is_empty() {
        lines.push(String::new());
        lines.push(" # Arguments".to_string());
        lines.push(String::new());
        for f in args {
            let docs = &f.docs;
            let what = match f.kind {
                FieldKind::Sublayer(_) => "a sublayer",
                _ => "a config field",
            };
            let first = docs
                .first()
                .map(|d| d.trim().to_string())
                .unwrap_or_default();
            if first.is_empty() {
                lines.push(format!(" - `{}`: {what}.", f.name()));
            } else {
                lines.push(format!(" - `{}`: {first}", f.name()));
            }
        }
    }
    lines
}
