//! The body of `Layer::forward`: check the config, check the input against the signature,
//! build every weight from the input's shape, call, and check the output.

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident};

use super::scope::{add_used_config, bind_from_self};
use crate::internals::text::ident_text;
use crate::layer::ast::{Container, Field, input_axis, is_input};
use crate::layer::attr::field::Weight;
use crate::layer::check::signature::{Dim, Resolved, Signatures};

/// The body of `forward(&self, __layers_x)`; of a sequential layer, the body of
/// `forward_masked(&self, __layers_x, __layers_mask)`.
pub fn forward_body(container: &Container, signatures: &Signatures) -> TokenStream {
    let validate = validate(container);
    let check_input = check_input(signatures);
    let check_output = check_output(signatures);
    let call = if container.attrs.sequential.is_some() {
        let calls = sequential_calls(container);
        quote!(#check_input #calls)
    } else {
        let WeightBuilds { scope, builds } = build_weights(container);
        // The call runs inside a catch, so that an op's panic in it becomes an error at this
        // layer (the innermost derived one), before anything above it unwinds.
        let ident = container.ident;
        let call = quote_spanned! {ident.span()=>
            <Self as __layers::TryCall>::try_call(self, __layers_x)
        };
        quote! {
            #scope
            #check_input
            #builds
            let __layers_y = __layers::catch_call(__layers_x, || #call)?;
        }
    };
    // A sequential layer's body is its `forward_masked`: the mask given (or `None`) goes
    // from field to field as in a `Sequential`, and comes out with the output.
    // With its own `masking` function, the layer's `forward` starts without a mask.
    let (start, result) = match (&container.attrs.sequential, &container.attrs.masking) {
        (Some(_), None) => (quote!(), quote!((__layers_y, __layers_mask))),
        (Some(_), Some(_)) => (
            quote!(let __layers_mask: ::core::option::Option<&__layers::Tensor> = ::core::option::Option::None;),
            quote!(__layers_y),
        ),
        (None, _) => (quote!(), quote!(__layers_y)),
    };
    quote! {
        #start
        #validate
        #call
        #check_output
        ::core::result::Result::Ok(#result)
    }
}

/// The building of the weights: what their shapes read (the input's shape, config fields),
/// and the builds.
struct WeightBuilds {
    scope: TokenStream,
    builds: TokenStream,
}

/// The forward pass of a `sequential` layer: each `#[layer]` field in order, the mask of
/// each (`Embedding`'s `mask_zero`, `Masking`) carried to the next, as in a `Sequential`.
fn sequential_calls(container: &Container) -> TokenStream {
    let calls = container.sublayer_fields().map(|f| {
        let name = f.ident;
        let text = f.name();
        quote! {
            let (__layers_y, __layers_mask) = __layers::Layer::forward_masked(
                &self.#name,
                &__layers_y,
                __layers_mask.as_ref(),
            )
            .map_err(|e| e.in_layer(#text, __layers::Layer::type_name(&self.#name)))?;
        }
    });
    quote! {
        let __layers_y = __layers_x.clone();
        let __layers_mask: ::core::option::Option<__layers::Tensor> =
            __layers_mask.cloned();
        #(#calls)*
    }
}

/// The config is checked before anything else, so that a nonsense value never builds a
/// weight nor reaches `call`; the coercion makes a wrong signature one error on the path.
fn validate(container: &Container) -> Option<TokenStream> {
    let check = container.attrs.validate.as_ref()?;
    Some(quote_spanned! {check.span()=>
        let __layers_validate: fn(&Self) -> __layers::Result<()> = #check;
        __layers_validate(self)?;
    })
}

/// Builds every enabled weight from the input's shape (a built weight stays as it is).
fn build_weights(container: &Container) -> WeightBuilds {
    let mut used_config = BTreeSet::new();
    let mut uses_input = false;
    let mut builds = Vec::new();
    for (f, w) in container.weight_fields() {
        let (build, weight_uses_input) = build_weight(container, f, w, &mut used_config);
        uses_input |= weight_uses_input;
        builds.push(build);
    }
    let input =
        uses_input.then(|| quote!(let __layers_input = __layers::SampleShape::of(__layers_x);));
    let config = bind_from_self(container, &used_config);
    WeightBuilds {
        scope: quote!(#input #config),
        builds: quote!(#(#builds)*),
    }
}

/// `if enabled { build with the shape }` for one weight, and whether its shape reads the
/// input; the config fields it names are added to `used_config`.
fn build_weight(
    container: &Container,
    field: &Field,
    weight: &Weight,
    used_config: &mut BTreeSet<String>,
) -> (TokenStream, bool) {
    let mut rewriter = ShapeRewriter {
        weight: field.name(),
        uses_input: false,
    };
    let name = field.ident;
    let mut dims_of = |list: &[Expr]| -> Vec<TokenStream> {
        list.iter()
            .map(|dim| {
                add_used_config(container, quote!(#dim), used_config);
                let mut dim = dim.clone();
                rewriter.visit_expr_mut(&mut dim);
                quote_spanned!(dim.span()=> __layers::ToDim::to_dim(&(#dim)))
            })
            .collect()
    };
    let build_with = |dims: Vec<TokenStream>| {
        let rank = dims.len();
        quote! {
            let __layers_shape: [usize; #rank] = [#(#dims),*];
            __layers::with_rng(|__layers_rng| self.#name.build(&__layers_shape, __layers_rng))?;
        }
    };
    let dims = dims_of(weight.shape.as_deref().unwrap_or_default());
    let mut build_shape = build_with(dims);
    if let Some(shape_fn) = &weight.shape_fn {
        // `shape = Self::method`: the coercion makes a wrong signature one error on the path.
        build_shape = quote_spanned! {shape_fn.span()=>
            let __layers_shape_fn: fn(&Self, &[usize]) -> __layers::Result<::std::vec::Vec<usize>> =
                #shape_fn;
            let __layers_shape = __layers_shape_fn(
                self,
                __layers_x.shape().get(1..).unwrap_or(&[]),
            )?;
            __layers::with_rng(|__layers_rng| self.#name.build(&__layers_shape, __layers_rng))?;
        };
    }
    if let Some((cond, otherwise)) = &weight.otherwise {
        // `shape = if COND { [...] } else { [...] }`: the rank is chosen by the config.
        let otherwise = build_with(dims_of(otherwise));
        add_used_config(container, quote!(#cond), used_config);
        let cond = enabled_value(cond, TokenStream::new());
        build_shape = quote! {
            if #cond { #build_shape } else { #otherwise }
        };
    }
    let enabled = match &weight.enabled {
        Some(e) => {
            add_used_config(container, quote!(#e), used_config);
            enabled_value(e, TokenStream::new())
        }
        None => quote!(true),
    };
    let build = quote! {
        if #enabled {
            #build_shape
        }
    };
    (build, rewriter.uses_input)
}

/// The value of a weight's `enabled = EXPR`, typed `bool` so that a wrong type is one error
/// on the expression, after `bindings` (the config fields it names).
pub fn enabled_value(expr: &Expr, bindings: TokenStream) -> TokenStream {
    quote_spanned! {expr.span()=>
        { #bindings let __layers_enabled: bool = #expr; __layers_enabled }
    }
}

/// Rewrites `input[i]` in a weight's shape to the input axis lookup.
struct ShapeRewriter {
    weight: String,
    uses_input: bool,
}

impl VisitMut for ShapeRewriter {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            Expr::Index(index) if is_input(&index.expr) => {
                if let Some(Ok(axis)) = input_axis(&index.index) {
                    let span = index.index.span();
                    let literal = {
                        let mut l = Literal::isize_suffixed(axis.abs());
                        l.set_span(span);
                        l
                    };
                    let minus = (axis < 0).then(|| quote_spanned!(span=> -));
                    let weight = &self.weight;
                    *expr = syn::parse_quote_spanned! {span=>
                        (__layers_input.axis(#minus #literal, #weight)?)
                    };
                    self.uses_input = true;
                }
            }
            // Closures and macros are left as written (`input[i]` is not rewritten in them).
            Expr::Closure(_) | Expr::Macro(_) => {}
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }
}

/// The run-time form of a signature.
fn runtime_signature(signature: &Resolved) -> TokenStream {
    let rest = signature
        .rest
        .then(|| quote!(__layers::SignatureDim::Rest,));
    let dims = signature.dims.iter().map(|d| match d {
        Dim::Bind(ident) => {
            let name = ident_text(ident);
            quote!(__layers::SignatureDim::Bind(#name))
        }
        Dim::Size(_, n) => {
            let text = n.to_string();
            quote!(__layers::SignatureDim::Fixed(#text, #n))
        }
        Dim::Const(ident) => {
            let text = ident_text(ident);
            quote!(__layers::SignatureDim::Fixed(#text, #ident))
        }
        Dim::Field(field, _) => {
            let text = field.name();
            let name = field.ident;
            quote!(__layers::SignatureDim::Fixed(#text, __layers::Dim::size(&self.#name)))
        }
    });
    quote!(&[#rest #(#dims),*])
}

/// Before the call: the input against `input = [...]`, and a `let` for each name it binds.
fn check_input(signatures: &Signatures) -> TokenStream {
    let Some(input) = &signatures.input else {
        return TokenStream::new();
    };
    let signature = runtime_signature(input);
    let mut names: Vec<&Ident> = Vec::new();
    for d in &input.dims {
        if let Dim::Bind(ident) = d
            && !names.iter().any(|n| ident_text(n) == ident_text(ident))
        {
            names.push(ident);
        }
    }
    let index = 0..names.len();
    quote! {
        let __layers_bound = __layers::check_input(
            || __layers::LayerExt::display_name(self),
            #signature,
            __layers_x.shape(),
        )?;
        #(
            #[allow(non_snake_case, unused_variables)]
            let #names: usize = __layers_bound.size(#index);
        )*
    }
}

/// After the call: the output `__layers_y` against `output = [...]`, with the sizes the
/// input bound.
fn check_output(signatures: &Signatures) -> TokenStream {
    let (Some(_), Some(output)) = (&signatures.input, &signatures.output) else {
        return TokenStream::new();
    };
    let signature = runtime_signature(output);
    quote! {
        __layers::check_output(
            #signature,
            __layers_y.shape(),
            &__layers_bound,
        )?;
    }
}
