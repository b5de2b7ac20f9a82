//! Code generation for `#[activation]`: the function stays as written; next to it come the
//! layer type (the function's name in CamelCase), its `ActivationFn` and `Layer` impls, the
//! dual-number copy of the body for the derivative, and the registration by name.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, Item, ItemFn, Pat};

use super::attr::{self, Args};
use super::check::{Hyper, Signature, check_signature, report_not_a_function};
use super::dual;
use crate::crate_path;
use crate::ctxt::Ctxt;
use crate::text::expr_text;

/// The whole expansion: the function as written, the errors if any, and the generated items
/// (stubs with unreachable bodies when there are errors).
pub fn activation(args: TokenStream, item: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::parse(&cx, args);
    let func = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(func)) => func,
        Ok(other) => {
            report_not_a_function(&cx, &other);
            return with_errors(cx, item, TokenStream::new());
        }
        Err(e) => {
            cx.syn_error(e);
            return with_errors(cx, item, TokenStream::new());
        }
    };
    let signature = check_signature(&cx, &func, &args);
    let generated = if cx.has_errors() {
        if signature.stubs {
            stubs(&func, &args, &signature)
        } else {
            TokenStream::new()
        }
    } else {
        let generated = generate(&cx, &func, &args, &signature);
        // The body rewrite may have reported what it cannot differentiate.
        if cx.has_errors() {
            stubs(&func, &args, &signature)
        } else {
            generated
        }
    };
    with_errors(cx, item, generated)
}

fn with_errors(cx: Ctxt, item: TokenStream, generated: TokenStream) -> TokenStream {
    let errors = cx.into_compile_errors();
    quote!(#errors #item #generated)
}

/// `leaky` → `Leaky`, `hard_silu` → `HardSilu`, `relu6` → `Relu6`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().expect("parts are not empty");
            first.to_uppercase().chain(chars).collect::<String>()
        })
        .collect()
}

/// The pieces every expansion (full or stub) shares.
struct Names {
    ty: Ident,
    fn_name: String,
    registered: String,
}

fn names(func: &ItemFn, args: &Args) -> Names {
    let fn_name = syn::ext::IdentExt::unraw(&func.sig.ident).to_string();
    let camel = camel_case(&fn_name);
    let camel = if camel.is_empty() {
        "Activation".to_string()
    } else {
        camel
    };
    Names {
        ty: Ident::new(&camel, func.sig.ident.span()),
        registered: args
            .name
            .as_ref()
            .map_or_else(|| fn_name.clone(), |n| n.value()),
        fn_name,
    }
}

/// The struct users name: unit, or one `f32` field per hyperparameter.
fn struct_item(func: &ItemFn, names: &Names, hypers: &[Hyper]) -> TokenStream {
    let vis = &func.vis;
    let ty = &names.ty;
    let cfgs = func.attrs.iter().filter(|a| a.path().is_ident("cfg"));
    let docs: Vec<&syn::Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .collect();
    let docs = if docs.is_empty() {
        let doc = format!(
            " The `{}` activation as a layer (from `#[activation] fn {}`).",
            names.registered, names.fn_name
        );
        quote!(#[doc = #doc])
    } else {
        quote!(#(#docs)*)
    };
    if hypers.is_empty() {
        return quote! {
            #(#cfgs)*
            #docs
            #[derive(Clone, Copy, Debug, Default, PartialEq)]
            #vis struct #ty;
        };
    }
    let fields = hypers.iter().map(|h| {
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

fn generate(cx: &Ctxt, func: &ItemFn, args: &Args, signature: &Signature) -> TokenStream {
    let names = names(func, args);
    let hypers = &signature.hypers;
    let ty = &names.ty;
    let fn_ident = &func.sig.ident;
    let registered = &names.registered;
    let type_name = ty.to_string();
    let private = crate_path::private_path(args.krate.as_ref());
    let cfgs: Vec<&syn::Attribute> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();
    let item = struct_item(func, &names, hypers);

    let hyper_idents: Vec<&Ident> = hypers.iter().map(|h| &h.ident).collect();
    let hyper_names: Vec<&String> = hypers.iter().map(|h| &h.name).collect();
    let x = Ident::new("__layers_x", Span::call_site());

    // The derivative: the user's, or the body run on dual numbers.
    let (dual_fn, value_and_derivative) = match &args.derivative {
        Some(path) => {
            // Through a typed binding, so that a wrong signature is one error on the path.
            let params = hypers.iter().map(|_| quote!(f32));
            let derivative = quote_spanned! {path.span()=>
                let __layers_derivative: fn(f32 #(, #params)*) -> f32 = #path;
            };
            (
                TokenStream::new(),
                quote! {{
                    #derivative
                    (#fn_ident(#x #(, self.#hyper_idents)*), __layers_derivative(#x #(, self.#hyper_idents)*))
                }},
            )
        }
        None => {
            let dual_ident = format_ident!("__layers_dual_{}", names.fn_name);
            let mut arg_names = Vec::new();
            let inputs = func.sig.inputs.iter().map(|arg| match arg {
                FnArg::Typed(t) => {
                    let mut bound = Vec::new();
                    collect_names(&t.pat, &mut bound);
                    arg_names.extend(bound);
                    let pat = &t.pat;
                    quote!(#pat: __layers::Dual)
                }
                FnArg::Receiver(r) => quote!(#r),
            });
            let inputs: Vec<TokenStream> = inputs.collect();
            let body = dual::rewrite_body(cx, &func.block, &arg_names);
            (
                quote! {
                    #[inline]
                    #[allow(unused, clippy::all, clippy::pedantic, clippy::nursery)]
                    fn #dual_ident(#(#inputs),*) -> __layers::Dual #body
                },
                quote! {{
                    let __layers_y = #dual_ident(
                        __layers::Dual::variable(#x)
                        #(, __layers::Dual::constant(self.#hyper_idents))*
                    );
                    (__layers_y.value, __layers_y.deriv)
                }},
            )
        }
    };

    let (defaults_impl, params_fn, config_fn, make_value) = if hypers.is_empty() {
        (
            TokenStream::new(),
            TokenStream::new(),
            TokenStream::new(),
            quote!(#ty),
        )
    } else {
        let defaults = hypers.iter().map(|h| {
            let (ident, default) = (&h.ident, h.default.as_ref().expect("checked"));
            quote!(#ident: #default)
        });
        let new_doc = format!(" Creates `{type_name}` with the given hyperparameters.");
        (
            quote! {
                impl ::core::default::Default for #ty {
                    fn default() -> Self {
                        #ty { #(#defaults),* }
                    }
                }
                impl #ty {
                    #[doc = #new_doc]
                    pub fn new(#(#hyper_idents: f32),*) -> Self {
                        #ty { #(#hyper_idents),* }
                    }
                }
            },
            quote! {
                fn params(&self) -> __layers::Vec<(&'static str, f32)> {
                    __layers::Vec::from([#((#hyper_names, self.#hyper_idents)),*])
                }
            },
            quote! {
                fn config(&self) -> __layers::serde_json::Value {
                    let mut __layers_config = __layers::serde_json::Map::new();
                    #(
                        __layers_config.insert(
                            __layers::String::from(#hyper_names),
                            <f32 as __layers::ConfigValue>::to_config(&self.#hyper_idents),
                        );
                    )*
                    __layers::serde_json::Value::Object(__layers_config)
                }
            },
            quote! {{
                let __layers_default = <#ty as ::core::default::Default>::default();
                #ty {
                    #(#hyper_idents: __layers::param(
                        __layers_params, #registered, #hyper_names, __layers_default.#hyper_idents,
                    )?),*
                }
            }},
        )
    };

    quote! {
        #item

        #(#cfgs)*
        const _: () = {
            use #private as __layers;
            // The methods through which the dual function calls helpers (`dual.rs`).
            #[allow(unused_imports)]
            use __layers::{DualCallF32 as _, DualCallScalar as _};

            #defaults_impl
            #dual_fn

            impl __layers::ActivationFn for #ty {
                const NAME: &'static str = #registered;

                // NaN in, NaN out (with a NaN derivative), whatever the body's comparisons
                // and `max`s would make of it: `if x > 0.0 { x } else { 0.0 }` alone sends
                // NaN to 0, and a model with NaN weights would predict numbers.
                #[inline]
                fn value(&self, #x: f32) -> f32 {
                    if #x.is_nan() {
                        return #x;
                    }
                    #fn_ident(#x #(, self.#hyper_idents)*)
                }

                #[inline]
                fn value_and_derivative(&self, #x: f32) -> (f32, f32) {
                    if #x.is_nan() {
                        return (#x, #x);
                    }
                    #value_and_derivative
                }

                #params_fn
            }

            impl __layers::StaticLayer for #ty {
                type Input<__In: __layers::Shape> = __In;
                type Output<__In: __layers::Shape> = __In;
                type Check<__In: __layers::Shape> = __layers::NoCheck;
            }

            impl __layers::Layer for #ty {
                fn type_name(&self) -> &'static str {
                    #type_name
                }

                fn forward(
                    &self,
                    #x: &__layers::Tensor,
                ) -> __layers::Result<__layers::Tensor> {
                    ::core::result::Result::Ok(__layers::apply_activation(self, #x))
                }

                #config_fn
            }

            fn __layers_make(
                __layers_params: &__layers::serde_json::Map<__layers::String, __layers::serde_json::Value>,
            ) -> __layers::Result<__layers::Activation> {
                __layers::check_params(__layers_params, #registered, &[#(#hyper_names),*])?;
                ::core::result::Result::Ok(__layers::Activation::new(#make_value))
            }

            __layers::inventory::submit! {
                __layers::ActivationEntry {
                    name: #registered,
                    make: __layers_make,
                }
            }
        };
    }
}

fn collect_names(pat: &Pat, out: &mut Vec<String>) {
    match pat {
        Pat::Ident(p) => out.push(syn::ext::IdentExt::unraw(&p.ident).to_string()),
        Pat::Type(p) => collect_names(&p.pat, out),
        Pat::Paren(p) => collect_names(&p.pat, out),
        Pat::Tuple(p) => p.elems.iter().for_each(|e| collect_names(e, out)),
        _ => {}
    }
}

/// The type and its impls with unreachable bodies, so that uses of the type report nothing
/// beyond the errors of the attribute.
fn stubs(func: &ItemFn, args: &Args, signature: &Signature) -> TokenStream {
    let names = names(func, args);
    let ty = &names.ty;
    let registered = &names.registered;
    let type_name = ty.to_string();
    let private = crate_path::private_path(args.krate.as_ref());
    let item = struct_item(func, &names, &signature.hypers);
    let default_impl = (!signature.hypers.is_empty()).then(|| {
        let idents = signature.hypers.iter().map(|h| &h.ident);
        let idents2 = idents.clone();
        quote! {
            impl ::core::default::Default for #ty {
                fn default() -> Self {
                    ::core::unreachable!()
                }
            }
            impl #ty {
                #[doc = " Not generated: `#[activation]` reported errors."]
                pub fn new(#(#idents: f32),*) -> Self {
                    #ty { #(#idents2),* }
                }
            }
        }
    });
    quote! {
        #item
        const _: () = {
            use #private as __layers;
            #default_impl
            impl __layers::ActivationFn for #ty {
                const NAME: &'static str = #registered;
                fn value(&self, _: f32) -> f32 {
                    ::core::unreachable!()
                }
                fn value_and_derivative(&self, _: f32) -> (f32, f32) {
                    ::core::unreachable!()
                }
            }
            impl __layers::StaticLayer for #ty {
                type Input<__In: __layers::Shape> = __In;
                type Output<__In: __layers::Shape> = __In;
                type Check<__In: __layers::Shape> = __layers::NoCheck;
            }

            impl __layers::Layer for #ty {
                fn type_name(&self) -> &'static str {
                    #type_name
                }
                fn forward(&self, _: &__layers::Tensor) -> __layers::Result<__layers::Tensor> {
                    ::core::unreachable!()
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::camel_case;

    #[test]
    fn camel_cases_function_names() {
        assert_eq!(camel_case("leaky"), "Leaky");
        assert_eq!(camel_case("hard_silu"), "HardSilu");
        assert_eq!(camel_case("relu6"), "Relu6");
        assert_eq!(camel_case("gelu_tanh_approx"), "GeluTanhApprox");
        assert_eq!(camel_case("_private_fn"), "PrivateFn");
    }
}
