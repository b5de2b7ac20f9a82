//! Code generation for `#[derive(Layer)]`: `new`, the builder setters, and the `Layer` impl
//! (lazy weight building from the input's shape, weights, sublayers, config).

use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{DeriveInput, Expr, Ident};

use super::ast::{Container, Field};
use super::attr::{self, FieldKind, SublayerInit};
use super::builder::{self, mentioned_names};
use super::check::{self, input_axis, is_input};
use super::sequential;
use super::shape::{self, Shapes};
use crate::crate_path;
use crate::ctxt::Ctxt;

/// The whole expansion: the errors, if any, and the impls (stubs with unreachable bodies when
/// there are errors, so that uses of the type report nothing more).
pub fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let container = Container::from_ast(&cx, input);
    check::check(&cx, &container);
    let fields = container.fields.as_deref().unwrap_or(&[]);
    let shapes = shape::resolve(&cx, &container, fields);
    let private = crate_path::private_path(container.attrs.krate.as_ref());
    let impls = if cx.has_errors() {
        stubs(&container)
    } else {
        impls(&container, &shapes)
    };
    let errors = cx.into_compile_errors();
    quote! {
        #errors
        const _: () = {
            use #private as __layers;
            #impls
        };
    }
}

fn type_name(container: &Container) -> String {
    match &container.attrs.name {
        Some(name) => name.value(),
        None => attr::ident_text(container.ident),
    }
}

/// Whether `new()` takes the field as an argument.
pub fn is_argument(field: &Field) -> bool {
    matches!(
        field.kind,
        FieldKind::Config(None) | FieldKind::Sublayer(SublayerInit::Arg)
    )
}

fn impls(container: &Container, shapes: &Shapes) -> TokenStream {
    let fields = container.fields.as_deref().unwrap_or(&[]);
    let inherent = builder::inherent_impl(container, fields);
    let layer = layer_impl(container, fields, shapes);
    let static_layer = shape::static_layer_impl(container, fields, shapes);
    let check = sequential::sequential_check(container, fields, shapes);
    quote!(#inherent #layer #static_layer #check)
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

fn layer_impl(container: &Container, fields: &[Field], shapes: &Shapes) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let type_name = type_name(container);
    let config_names: Vec<String> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Config(_)))
        .map(Field::name)
        .collect();

    // forward: build every weight from the input's shape, then call.
    let mut used_config = BTreeSet::new();
    let mut uses_input = false;
    let mut builds = Vec::new();
    for f in fields {
        let FieldKind::Weight(w) = &f.kind else {
            continue;
        };
        let mut rewriter = ShapeRewriter {
            weight: f.name(),
            uses_input: false,
        };
        let dims: Vec<TokenStream> = w
            .shape
            .iter()
            .flatten()
            .map(|dim| {
                mentioned_names(quote!(#dim), &config_names, &mut used_config);
                let mut dim = dim.clone();
                rewriter.visit_expr_mut(&mut dim);
                quote_spanned!(dim.span()=> __layers::ToDim::to_dim(&(#dim)))
            })
            .collect();
        uses_input |= rewriter.uses_input;
        let rank = dims.len();
        let name = f.ident;
        let enabled = match &w.enabled {
            Some(e) => {
                mentioned_names(quote!(#e), &config_names, &mut used_config);
                quote_spanned!(e.span()=> { let __layers_enabled: bool = #e; __layers_enabled })
            }
            None => quote!(true),
        };
        builds.push(quote! {
            if #enabled {
                let __layers_shape: [usize; #rank] = [#(#dims),*];
                __layers::with_rng(|__layers_rng| self.#name.build(&__layers_shape, __layers_rng))?;
            }
        });
    }
    let input =
        uses_input.then(|| quote!(let __layers_input = __layers::InputShape::of(__layers_x);));
    let config_bindings = fields
        .iter()
        .filter(|f| used_config.contains(&f.name()))
        .map(|f| {
            let name = f.ident;
            // Found by name among the shape's tokens, which may overcount (a method named
            // like a field): hence the `allow`.
            quote! {
                #[allow(unused_variables)]
                let #name = ::core::clone::Clone::clone(&self.#name);
            }
        });
    let (check_input, check_output) = shape::runtime_checks(shapes);
    // The config is checked before anything else, so that a nonsense value never builds a
    // weight nor reaches `call`; the coercion makes a wrong signature one error on the path.
    let validate = container.attrs.validate.as_ref().map(|check| {
        quote_spanned! {check.span()=>
            let __layers_validate: fn(&Self) -> __layers::Result<()> = #check;
            __layers_validate(self)?;
        }
    });
    let body = if container.attrs.sequential.is_some() {
        let calls = sequential::sequential_calls(fields);
        quote! {
            #validate
            #check_input
            #calls
            #check_output
            ::core::result::Result::Ok(__layers_y)
        }
    } else {
        // The call runs inside a catch, so that an op's panic in it becomes an error at this
        // layer (the innermost derived one), before anything above it unwinds.
        let call =
            quote_spanned!(ident.span()=> <Self as __layers::TryCall>::try_call(self, __layers_x));
        let call = quote!(__layers::catch_call(__layers_x, || #call)?);
        quote! {
            #validate
            #input
            #(#config_bindings)*
            #check_input
            #(#builds)*
            let __layers_y = #call;
            #check_output
            ::core::result::Result::Ok(__layers_y)
        }
    };

    let weights: Vec<&Ident> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Weight(_)))
        .map(|f| f.ident)
        .collect();
    // Whether each weight is enabled, evaluated with the config fields it names in scope.
    let enabled: Vec<TokenStream> = fields
        .iter()
        .filter_map(|f| match &f.kind {
            FieldKind::Weight(w) => Some(match &w.enabled {
                Some(e) => {
                    let mut names = BTreeSet::new();
                    mentioned_names(quote!(#e), &config_names, &mut names);
                    let bindings = fields.iter().filter(|c| names.contains(&c.name())).map(|c| {
                        let name = c.ident;
                        quote! {
                            #[allow(unused_variables)]
                            let #name = ::core::clone::Clone::clone(&self.#name);
                        }
                    });
                    quote_spanned!(e.span()=> { #(#bindings)* let __layers_enabled: bool = #e; __layers_enabled })
                }
                None => quote!(true),
            }),
            _ => None,
        })
        .collect();
    let flags: Vec<Ident> = weights
        .iter()
        .map(|w| quote::format_ident!("__layers_enabled_{}", attr::ident_text(w)))
        .collect();
    let weight_methods = (!weights.is_empty()).then(|| {
        quote! {
            fn weights(&self) -> __layers::Vec<&__layers::Weight> {
                #(let #flags: bool = #enabled;)*
                let mut __layers_weights = __layers::Vec::new();
                #(if #flags { __layers_weights.push(&self.#weights); })*
                __layers_weights
            }
            fn weights_mut(&mut self) -> __layers::Vec<&mut __layers::Weight> {
                #(let #flags: bool = #enabled;)*
                let mut __layers_weights = __layers::Vec::new();
                #(if #flags { __layers_weights.push(&mut self.#weights); })*
                __layers_weights
            }
        }
    });

    let sublayers: Vec<&Field> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Sublayer(_)))
        .collect();
    let sublayer_names: Vec<String> = sublayers.iter().map(|f| f.name()).collect();
    let sublayer_refs: Vec<TokenStream> = sublayers
        .iter()
        .map(|f| {
            let (name, ty) = (f.ident, f.ty);
            quote_spanned!(ty.span()=> <#ty as __layers_Sublayer>::__layers_as_layer(&self.#name))
        })
        .collect();
    let sublayer_methods = (!sublayers.is_empty()).then(|| {
        let (names, refs) = (&sublayer_names, &sublayer_refs);
        let muts = sublayers.iter().map(|f| {
            let (name, ty) = (f.ident, f.ty);
            quote_spanned!(ty.span()=> <#ty as __layers_Sublayer>::__layers_as_layer_mut(&mut self.#name))
        });
        quote! {
            fn sublayers(&self) -> __layers::Vec<(__layers::String, &dyn __layers::Layer)> {
                __layers::Vec::from([#((__layers::String::from(#names), #refs)),*])
            }
            fn sublayers_mut(&mut self) -> __layers::Vec<(__layers::String, &mut dyn __layers::Layer)> {
                __layers::Vec::from([#((__layers::String::from(#names), #muts)),*])
            }
        }
    });

    let config_fields: Vec<&Field> = fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Config(_)))
        .collect();
    let config_method = (!config_fields.is_empty()).then(|| {
        let inserts = config_fields.iter().map(|f| {
            let (name, ty) = (f.ident, f.ty);
            let key = f.name();
            let value =
                quote_spanned!(ty.span()=> <#ty as __layers::ConfigValue>::to_config(&self.#name));
            quote!(__layers_config.insert(__layers::String::from(#key), #value);)
        });
        quote! {
            fn config(&self) -> __layers::serde_json::Value {
                let mut __layers_config = __layers::serde_json::Map::new();
                #(#inserts)*
                __layers::serde_json::Value::Object(__layers_config)
            }
        }
    });

    let summary_method = container.attrs.sequential.is_some().then(|| {
        let (names, refs) = (&sublayer_names, &sublayer_refs);
        match &shapes.input {
            // A statically checked model: each row says whether the compiler checked it.
            Some(_) => {
                let index = 0..names.len();
                let rows = quote! {
                    let __layers_checked = Self::__LAYERS_CHECKED;
                    let __layers_fields = [#((#names, #refs, __layers_checked[#index])),*];
                };
                quote! {
                    fn summary_rows(&self) -> __layers::Vec<__layers::SummaryRow> {
                        #rows
                        __layers::static_summary_rows(&__layers_fields, ::core::option::Option::None)
                    }
                    fn summary_rows_for(&self, __layers_input: &[usize]) -> __layers::Vec<__layers::SummaryRow> {
                        #rows
                        __layers::static_summary_rows(&__layers_fields, ::core::option::Option::Some(__layers_input))
                    }
                }
            }
            None => quote! {
                fn summary_rows_for(&self, __layers_input: &[usize]) -> __layers::Vec<__layers::SummaryRow> {
                    __layers::sequential_summary_rows(&[#((#names, #refs)),*], __layers_input)
                }
            },
        }
    });

    // Both sublayer methods go through one trait, so that a field that is not a layer gets
    // one error (identical diagnostics are merged), with a message of ours.
    let sublayer_trait = (!sublayers.is_empty()).then(|| {
        quote! {
            #[diagnostic::on_unimplemented(
                message = "`#[layer]` field of type `{Self}` is not a layer",
                label = "a `#[layer]` field must implement `Layer`",
                note = "a `#[layer]` field holds a sublayer: a type with `#[derive(Layer)]` or an `impl Layer`; a hyperparameter is a plain field, and anything else can be `#[skip]`"
            )]
            #[allow(non_camel_case_types)]
            trait __layers_Sublayer {
                fn __layers_as_layer(&self) -> &dyn __layers::Layer;
                fn __layers_as_layer_mut(&mut self) -> &mut dyn __layers::Layer;
            }

            #[diagnostic::do_not_recommend]
            impl<T: __layers::Layer> __layers_Sublayer for T {
                fn __layers_as_layer(&self) -> &dyn __layers::Layer {
                    self
                }
                fn __layers_as_layer_mut(&mut self) -> &mut dyn __layers::Layer {
                    self
                }
            }
        }
    });

    quote! {
        #sublayer_trait

        impl #impl_generics __layers::Layer for #ident #ty_generics #where_clause {
            fn type_name(&self) -> &'static str {
                #type_name
            }

            fn forward(
                &self,
                __layers_x: &__layers::Tensor,
            ) -> __layers::Result<__layers::Tensor> {
                #body
            }

            #weight_methods
            #sublayer_methods
            #config_method
            #summary_method
        }
    }
}

/// What is emitted when the input has errors: the same public surface (`Layer`, and `new` and
/// the setters where the fields are known) with unreachable bodies, so that the errors above
/// are the only ones.
fn stubs(container: &Container) -> TokenStream {
    let ident = container.ident;
    let (impl_generics, ty_generics, where_clause) = container.generics.split_for_impl();
    let type_name = type_name(container);
    let static_layer = container.attrs.custom_shape.is_none().then(|| {
        quote! {
            impl #impl_generics __layers::StaticLayer for #ident #ty_generics #where_clause {
                type Input<__In: __layers::Shape> = __In;
                type Output<__In: __layers::Shape> = __layers::DynShape;
                type Check<__In: __layers::Shape> = __layers::NoCheck;
            }
        }
    });
    let inherent = container.fields.as_ref().map(|fields| {
        let args: Vec<TokenStream> = fields
            .iter()
            .filter(|f| is_argument(f))
            .map(|f| {
                let (name, ty) = (f.ident, f.ty);
                quote!(#name: #ty)
            })
            .collect();
        let default_impl =
            builder::default_impl(container, args.is_empty(), quote!(::core::unreachable!()));
        let setters = fields.iter().filter_map(|f| {
            let FieldKind::Config(Some(_)) = &f.kind else {
                return None;
            };
            let (name, ty) = (f.ident, f.ty);
            Some(quote! {
                #[doc = " Not generated: `#[derive(Layer)]` reported errors."]
                pub fn #name(self, value: #ty) -> Self {
                    ::core::unreachable!()
                }
            })
        });
        quote! {
            #[allow(dead_code, unused_variables, clippy::too_many_arguments)]
            impl #impl_generics #ident #ty_generics #where_clause {
                #[doc = " Not generated: `#[derive(Layer)]` reported errors."]
                pub fn new(#(#args),*) -> Self {
                    ::core::unreachable!()
                }
                #(#setters)*
            }
            #default_impl
        }
    });
    quote! {
        #inherent
        impl #impl_generics __layers::Layer for #ident #ty_generics #where_clause {
            fn type_name(&self) -> &'static str {
                #type_name
            }
            fn forward(&self, _: &__layers::Tensor) -> __layers::Result<__layers::Tensor> {
                ::core::unreachable!()
            }
        }
        #static_layer
    }
}
