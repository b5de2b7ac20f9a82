//! The inherent impl `#[derive(Layer)]` writes: `new(...)` with the config (and plain
//! sublayers) as arguments, a builder method per config field with a default, and
//! `Default` as `new()` when `new` takes no arguments.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parts::Parts;
use crate::internals::text::{expr_text, ident_text};
use crate::layer::ast::{Container, Field};
use crate::layer::attr::field::{ConfigDefault, FieldKind, SublayerInit};

/// Whether `ty` is a primitive number, `bool` or `char`.
fn is_primitive(ty: &syn::Type) -> bool {
    const PRIMITIVES: [&str; 16] = [
        "usize", "u8", "u16", "u32", "u64", "u128", "isize", "i8", "i16", "i32", "i64", "i128",
        "f32", "f64", "bool", "char",
    ];
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.get_ident().is_some_and(|i| PRIMITIVES.contains(&i.to_string().as_str())))
}

/// `new`, the setters, `__layers_parts`, and `Default` when `new` takes no arguments.
pub fn inherent_impl(container: &Container) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let parts = Parts::of(container);
    let new = new_fn(container, &parts);
    let setters = container
        .fields()
        .iter()
        .filter_map(|f| setter(container, &parts, f));
    let parts_fn = parts.function(container);
    let default_impl = default_impl(container, quote!(Self::new()));
    quote! {
        #[allow(dead_code, clippy::too_many_arguments, clippy::new_without_default)]
        impl #impl_generics #ident #ty_generics #where_clause {
            #new
            #(#setters)*
            #parts_fn
        }

        #default_impl
    }
}

/// Whether `new` takes `f` as `impl Into<Type>`, as the setters take such values
/// (`Rescaling::new(0.5)` or `Rescaling::new([0.5, 2.0])` for a `Coefficient`): a config
/// field of a type that is neither primitive (literals infer) nor one of the struct's
/// type parameters (`Dense<D>`'s `units`, which the argument chooses).
fn converts(container: &Container, f: &Field) -> bool {
    let is_param = matches!(f.ty, syn::Type::Path(p) if p.qself.is_none()
        && container.generics.type_params().any(|t| p.path.is_ident(&t.ident)));
    matches!(f.kind, FieldKind::Config(None)) && !is_primitive(f.ty) && !is_param
}

/// The arguments of `new`: `name: Type` for each field it takes, in declaration order
/// (`name: impl Into<Type>` where [`converts`]).
pub fn new_args(container: &Container) -> Vec<TokenStream> {
    container
        .fields()
        .iter()
        .filter(|f| f.is_new_argument())
        .map(|f| {
            let (name, ty) = (f.ident, f.ty);
            if converts(container, f) {
                quote!(#name: impl ::core::convert::Into<#ty>)
            } else {
                quote!(#name: #ty)
            }
        })
        .collect()
}

/// `pub fn new(config…, sublayers…) -> Self`.
fn new_fn(container: &Container, parts: &Parts) -> TokenStream {
    let fields = container.fields();
    let args = new_args(container);
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
    let compute = parts.compute(container, quote!());
    let inits = fields.iter().map(|f| {
        let name = f.ident;
        match &f.kind {
            FieldKind::Weight(_)
            | FieldKind::Sublayer(SublayerInit::Default | SublayerInit::Expr(_)) => {
                let value = Parts::value(container, f);
                quote!(#name: #value)
            }
            FieldKind::Skip => {
                quote_spanned!(f.ty.span()=> #name: ::core::default::Default::default())
            }
            _ => quote!(#name),
        }
    });
    let conversions = fields.iter().filter(|f| converts(container, f)).map(|f| {
        let (name, ty) = (f.ident, f.ty);
        quote!(let #name: #ty = ::core::convert::Into::<#ty>::into(#name);)
    });
    let doc = new_doc(container);
    quote! {
        #(#[doc = #doc])*
        pub fn new(#(#args),*) -> Self {
            #(#conversions)*
            #(#defaults)*
            #compute
            Self { #(#inits),* }
        }
    }
}

/// The builder method of a config field with a default; `None` for other fields.
fn setter(container: &Container, parts: &Parts, f: &Field) -> Option<TokenStream> {
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
        let compute = parts.compute(container, quote!(self.));
        let assigns = parts.fields.iter().map(|p| {
            let (field, value) = (p.ident, Parts::value(container, p));
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
    // Primitive types take the value itself, so that literals infer (`.axis(-2)`); others
    // take anything convertible (`.activation(Relu)` for an `Activation`).
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
}

/// `impl Default` as `new()`, when `new` takes no arguments, so that the layer can be a
/// `#[layer(default)]` field.
pub fn default_impl(container: &Container, body: TokenStream) -> TokenStream {
    if container.fields().iter().any(|f| f.is_new_argument()) {
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

/// The doc lines of `new`: what it makes, and its arguments with their docs.
fn new_doc(container: &Container) -> Vec<String> {
    let fields = container.fields();
    let ident = ident_text(container.ident);
    let weights: Vec<String> = fields
        .iter()
        .filter(|f| f.is_weight())
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
    let args: Vec<&Field> = fields.iter().filter(|f| f.is_new_argument()).collect();
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
