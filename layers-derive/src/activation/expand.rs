//! Code generation for `#[activation]`, from a checked function: it reports nothing. The
//! function stays as written; next to it come the layer type (the function's name in
//! CamelCase) and, one function each, its constructors, the dual-number copy of the body,
//! its `ActivationFn`, `StaticLayer` and `Layer` impls, and its registration by name; or,
//! when the input has errors, the same surface with unreachable bodies.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, ItemFn};

use super::attr::Args;
use super::check::{Hyper, Signature};
use super::dual::Derivative;
use crate::internals::crate_path;
use crate::internals::text::{camel_case, expr_text, ident_text};

/// A checked activation, as code generation sees it.
pub struct Activation<'a> {
    func: &'a ItemFn,
    hypers: &'a [Hyper],
    /// The generated type: the function's name in CamelCase.
    ty: Ident,
    /// The function's name as written (without `r#`).
    fn_name: String,
    /// The name it is registered under.
    registered: String,
    /// The runtime's `__private` module.
    private: TokenStream,
}

impl<'a> Activation<'a> {
    /// The names and paths every generated item uses.
    pub fn new(func: &'a ItemFn, args: &Args, signature: &'a Signature) -> Self {
        let fn_name = ident_text(&func.sig.ident);
        let camel = camel_case(&fn_name);
        let camel = if camel.is_empty() {
            "Activation".to_string()
        } else {
            camel
        };
        Activation {
            func,
            hypers: &signature.hypers,
            ty: Ident::new(&camel, func.sig.ident.span()),
            registered: args
                .name
                .as_ref()
                .map_or_else(|| fn_name.clone(), |n| n.value()),
            fn_name,
            private: crate_path::private_path(args.krate.as_ref()),
        }
    }

    fn cfgs(&self) -> impl Iterator<Item = &'a Attribute> {
        self.func.attrs.iter().filter(|a| a.path().is_ident("cfg"))
    }

    fn hyper_idents(&self) -> Vec<&'a Ident> {
        self.hypers.iter().map(|h| &h.ident).collect()
    }

    fn hyper_names(&self) -> Vec<&'a String> {
        self.hypers.iter().map(|h| &h.name).collect()
    }
}

/// The input's name in generated methods.
fn input() -> Ident {
    Ident::new("__layers_x", Span::call_site())
}

/// Every generated item.
pub fn generate(a: &Activation, derivative: &Derivative) -> TokenStream {
    let item = struct_item(a);
    let constructors = constructors(a);
    let dual_fn = dual_fn(a, derivative);
    let activation_fn = activation_fn_impl(a, derivative);
    let static_layer = static_layer_impl(a);
    let layer = layer_impl(a, forward_body(), config_fn(a));
    let registration = registration(a);
    scoped(
        a,
        item,
        quote! {
            // The methods through which the dual function calls helpers (`dual.rs`).
            #[allow(unused_imports)]
            use __layers::{DualCallF32 as _, DualCallScalar as _};

            #constructors
            #dual_fn
            #activation_fn
            #static_layer
            #layer
            #registration
        },
    )
}

/// The type and its impls with unreachable bodies, so that uses of the type report nothing
/// beyond the errors of the attribute.
pub fn stubs(a: &Activation) -> TokenStream {
    let item = struct_item(a);
    let ty = &a.ty;
    let registered = &a.registered;
    let constructors = (!a.hypers.is_empty()).then(|| {
        let idents = a.hyper_idents();
        quote! {
            impl ::core::default::Default for #ty {
                fn default() -> Self {
                    ::core::unreachable!()
                }
            }
            impl #ty {
                #[doc = " Not generated: `#[activation]` reported errors."]
                pub fn new(#(#idents: f32),*) -> Self {
                    #ty { #(#idents),* }
                }
            }
        }
    });
    let static_layer = static_layer_impl(a);
    let layer = layer_impl(a, quote!(::core::unreachable!()), None);
    scoped(
        a,
        item,
        quote! {
            #constructors
            impl __layers::ActivationFn for #ty {
                const NAME: &'static str = #registered;
                fn value(&self, _: f32) -> f32 {
                    ::core::unreachable!()
                }
                fn value_and_derivative(&self, _: f32) -> (f32, f32) {
                    ::core::unreachable!()
                }
            }
            #static_layer
            #layer
        },
    )
}

/// The struct item, then the impls in a `const _` block that names the runtime
/// `__layers`, under the function's `#[cfg]`s.
fn scoped(a: &Activation, item: TokenStream, impls: TokenStream) -> TokenStream {
    let cfgs = a.cfgs();
    let private = &a.private;
    quote! {
        #item

        #(#cfgs)*
        const _: () = {
            use #private as __layers;
            #impls
        };
    }
}

/// The struct users name: unit, or one `f32` field per hyperparameter.
fn struct_item(a: &Activation) -> TokenStream {
    let vis = &a.func.vis;
    let ty = &a.ty;
    let cfgs = a.cfgs();
    let docs: Vec<&Attribute> = a
        .func
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .collect();
    let docs = if docs.is_empty() {
        let doc = format!(
            " The `{}` activation as a layer (from `#[activation] fn {}`).",
            a.registered, a.fn_name
        );
        quote!(#[doc = #doc])
    } else {
        quote!(#(#docs)*)
    };
    if a.hypers.is_empty() {
        return quote! {
            #(#cfgs)*
            #docs
            #[derive(Clone, Copy, Debug, Default, PartialEq)]
            #vis struct #ty;
        };
    }
    let fields = a.hypers.iter().map(|h| {
        let ident = &h.ident;
        let doc = match &h.default {
            Some(default) => format!(
                " The hyperparameter `{}` (default `{}`).",
                h.name,
                expr_text(&quote!(#default))
            ),
            None => format!(" The hyperparameter `{}`.", h.name),
        };
        quote!(#[doc = #doc] pub #ident: f32)
    });
    quote! {
        #(#cfgs)*
        #docs
        #[derive(Clone, Copy, Debug, PartialEq)]
        #vis struct #ty {
            #(#fields),*
        }
    }
}

/// `Default` with the attribute's defaults, and `new(hyperparameters…)`; none without
/// hyperparameters (the unit struct derives `Default`).
fn constructors(a: &Activation) -> Option<TokenStream> {
    if a.hypers.is_empty() {
        return None;
    }
    let ty = &a.ty;
    let defaults = a.hypers.iter().map(|h| {
        let ident = &h.ident;
        let default = h
            .default
            .as_ref()
            .expect("the signature check reported a hyperparameter without a default");
        quote!(#ident: #default)
    });
    let idents = a.hyper_idents();
    let new_doc = format!(" Creates `{ty}` with the given hyperparameters.");
    Some(quote! {
        impl ::core::default::Default for #ty {
            fn default() -> Self {
                #ty { #(#defaults),* }
            }
        }
        impl #ty {
            #[doc = #new_doc]
            pub fn new(#(#idents: f32),*) -> Self {
                #ty { #(#idents),* }
            }
        }
    })
}

/// The function on dual numbers, when the derivative comes from the body.
fn dual_fn(a: &Activation, derivative: &Derivative) -> Option<TokenStream> {
    let Derivative::Dual(body) = derivative else {
        return None;
    };
    let ident = format_ident!("__layers_dual_{}", a.fn_name);
    let inputs = a.func.sig.inputs.iter().map(|arg| match arg {
        FnArg::Typed(t) => {
            let pat = &t.pat;
            quote!(#pat: __layers::Dual)
        }
        FnArg::Receiver(r) => quote!(#r),
    });
    Some(quote! {
        #[inline]
        #[allow(unused, clippy::all, clippy::pedantic, clippy::nursery)]
        fn #ident(#(#inputs),*) -> __layers::Dual #body
    })
}

/// `(value, derivative)` at `__layers_x`: the function and the user's derivative, or the
/// dual function.
fn value_and_derivative(a: &Activation, derivative: &Derivative) -> TokenStream {
    let x = input();
    let fn_ident = &a.func.sig.ident;
    let hypers = a.hyper_idents();
    match derivative {
        Derivative::Given(path) => {
            // Through a typed binding, so that a wrong signature is one error on the path.
            let params = hypers.iter().map(|_| quote!(f32));
            let derivative = quote_spanned! {path.span()=>
                let __layers_derivative: fn(f32 #(, #params)*) -> f32 = #path;
            };
            quote! {{
                #derivative
                (#fn_ident(#x #(, self.#hypers)*), __layers_derivative(#x #(, self.#hypers)*))
            }}
        }
        Derivative::Dual(_) => {
            let dual_ident = format_ident!("__layers_dual_{}", a.fn_name);
            quote! {{
                let __layers_y = #dual_ident(
                    __layers::Dual::variable(#x)
                    #(, __layers::Dual::constant(self.#hypers))*
                );
                (__layers_y.value, __layers_y.deriv)
            }}
        }
    }
}

/// `impl ActivationFn`: the value, the value with its derivative, and the hyperparameters.
fn activation_fn_impl(a: &Activation, derivative: &Derivative) -> TokenStream {
    let (ty, registered) = (&a.ty, &a.registered);
    let x = input();
    let fn_ident = &a.func.sig.ident;
    let (idents, names) = (a.hyper_idents(), a.hyper_names());
    let value_and_derivative = value_and_derivative(a, derivative);
    let params = (!a.hypers.is_empty()).then(|| {
        quote! {
            fn params(&self) -> __layers::Vec<(&'static str, f32)> {
                __layers::Vec::from([#((#names, self.#idents)),*])
            }
        }
    });
    quote! {
        impl __layers::ActivationFn for #ty {
            const NAME: &'static str = #registered;

            // NaN in, NaN out (with a NaN derivative), whatever the body's comparisons and
            // `max`s would make of it: `if x > 0.0 { x } else { 0.0 }` alone sends NaN to 0,
            // and a model with NaN weights would predict numbers.
            #[inline]
            fn value(&self, #x: f32) -> f32 {
                if #x.is_nan() {
                    return #x;
                }
                #fn_ident(#x #(, self.#idents)*)
            }

            #[inline]
            fn value_and_derivative(&self, #x: f32) -> (f32, f32) {
                if #x.is_nan() {
                    return (#x, #x);
                }
                #value_and_derivative
            }

            #params
        }
    }
}

/// `impl StaticLayer`: an activation keeps the shape it receives.
fn static_layer_impl(a: &Activation) -> TokenStream {
    let ty = &a.ty;
    quote! {
        impl __layers::StaticLayer for #ty {
            type Input<__In: __layers::Shape> = __In;
            type Output<__In: __layers::Shape> = __In;
            type Check<__In: __layers::Shape> = __layers::NoCheck;
        }
    }
}

/// The body of `forward`: the activation applied elementwise.
fn forward_body() -> TokenStream {
    let x = input();
    quote!(::core::result::Result::Ok(__layers::apply_activation(self, #x)))
}

/// `impl Layer`, with the body of `forward` and the `config` method.
fn layer_impl(a: &Activation, forward: TokenStream, config: Option<TokenStream>) -> TokenStream {
    let ty = &a.ty;
    let type_name = ty.to_string();
    let x = input();
    quote! {
        impl __layers::Layer for #ty {
            fn type_name(&self) -> &'static str {
                #type_name
            }

            #[allow(unused_variables)]
            fn forward(
                &self,
                #x: &__layers::Tensor,
            ) -> __layers::Result<__layers::Tensor> {
                #forward
            }

            fn forward_rows(
                &self,
                __layers_x: &[f32],
                _: usize,
            ) -> ::core::option::Option<::std::vec::Vec<f32>> {
                ::core::option::Option::Some(__layers::activation_rows(self, __layers_x))
            }

            #config
        }
    }
}

/// `fn config`: the hyperparameters by name; none without hyperparameters.
fn config_fn(a: &Activation) -> Option<TokenStream> {
    if a.hypers.is_empty() {
        return None;
    }
    let (idents, names) = (a.hyper_idents(), a.hyper_names());
    Some(quote! {
        fn config(&self) -> __layers::serde_json::Value {
            let mut __layers_config = __layers::serde_json::Map::new();
            #(
                __layers_config.insert(
                    __layers::String::from(#names),
                    <f32 as __layers::ConfigValue>::to_config(&self.#idents),
                );
            )*
            __layers::serde_json::Value::Object(__layers_config)
        }
    })
}

/// The registration under the name, for `Activation::from_name` and configs: a maker from
/// the config's parameters, submitted to the runtime's registry.
fn registration(a: &Activation) -> TokenStream {
    let (ty, registered) = (&a.ty, &a.registered);
    let (idents, names) = (a.hyper_idents(), a.hyper_names());
    let value = if a.hypers.is_empty() {
        quote!(#ty)
    } else {
        quote! {{
            let __layers_default = <#ty as ::core::default::Default>::default();
            #ty {
                #(#idents: __layers::param(
                    __layers_params, #registered, #names, __layers_default.#idents,
                )?),*
            }
        }}
    };
    let type_name = ty.to_string();
    quote! {
        fn __layers_value(
            __layers_params: &__layers::serde_json::Map<__layers::String, __layers::serde_json::Value>,
        ) -> __layers::Result<#ty> {
            __layers::check_params(__layers_params, #registered, &[#(#names),*])?;
            ::core::result::Result::Ok(#value)
        }

        fn __layers_make(
            __layers_params: &__layers::serde_json::Map<__layers::String, __layers::serde_json::Value>,
        ) -> __layers::Result<__layers::Activation> {
            __layers_value(__layers_params).map(__layers::Activation::new)
        }

        __layers::inventory::submit! {
            __layers::ActivationEntry {
                name: #registered,
                make: __layers_make,
            }
        }

        impl __layers::FromConfig for #ty {
            fn from_config(__layers_config: &__layers::LayerConfig) -> __layers::Result<Self> {
                __layers::ConfigReader::new(__layers_config, #type_name, &[#(#names),*], &[])?;
                __layers_value(&__layers_config.config)
            }
        }

        __layers::inventory::submit! {
            __layers::LayerEntry::of::<#ty>(#type_name)
        }
    }
}
