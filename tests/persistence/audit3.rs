//! Round three of the outside-in audit (custom layers and activations): a name registered
//! by two activations was resolved to whichever the linker listed first, so that a saved
//! model could load with another function than the one it was trained with; and a model
//! file naming a class the program cannot make (a generic layer at another type, a
//! hand-written layer never registered) now says how a class gets registered.

use layers::prelude::*;

mod first {
    use layers::prelude::*;

    /// Doubles positive inputs.
    #[activation(name = "audit3_same_name")]
    pub fn doubled(x: f32) -> f32 {
        if x > 0.0 { 2.0 * x } else { 0.0 }
    }
}

mod second {
    use layers::prelude::*;

    /// Halves positive inputs, under the same registered name as `first::doubled`.
    #[activation(name = "audit3_same_name")]
    pub fn halved(x: f32) -> f32 {
        if x > 0.0 { 0.5 * x } else { 0.0 }
    }
}

mod layer_a {
    use layers::prelude::*;

    /// An activation whose layer class, `Audit3Clash`, is also `layer_b`'s.
    #[activation(name = "audit3_clash_a")]
    pub fn audit3_clash(x: f32) -> f32 {
        x + 1.0
    }
}

mod layer_b {
    use layers::prelude::*;

    /// The same function name, so the same layer class name, registered under another name.
    #[activation(name = "audit3_clash_b")]
    pub fn audit3_clash(x: f32) -> f32 {
        x - 1.0
    }
}

#[test]
fn a_name_two_activations_registered_is_an_error_not_either_of_them() {
    assert_eq!((first::doubled(1.0), second::halved(1.0)), (2.0, 0.5));
    let err = Activation::from_name("audit3_same_name").unwrap_err();
    assert!(matches!(err, Error::InvalidConfig { ref field, .. } if field == "activation"));
    assert_eq!(
        err.to_string(),
        "`activation` `audit3_same_name` is the name of two registered activations (a \
         built-in one and one of your own, or two of your own); register yours under another \
         name with `#[activation(name = \"…\")]`"
    );
}

#[test]
fn a_model_using_an_ambiguous_activation_name_does_not_load_with_another_function() {
    let path = std::env::temp_dir().join(format!(
        "layers_audit3_ambiguous_{}.safetensors",
        std::process::id()
    ));
    let mut model = Sequential::new().add(Dense::new(2).activation(first::Doubled));
    model.build([3]).unwrap();
    model.save(&path).unwrap();
    let err = Sequential::load(&path)
        .err()
        .expect("loaded a model whose activation name is ambiguous");
    let _ = std::fs::remove_file(&path);
    let text = err.to_string();
    assert!(
        text.contains("`audit3_same_name` is the name of two registered activations"),
        "{text}"
    );
}

#[test]
fn two_activation_layers_of_one_class_name_say_to_rename_the_function() {
    assert_eq!(
        (layer_a::audit3_clash(0.0), layer_b::audit3_clash(0.0)),
        (1.0, -1.0)
    );
    let path = std::env::temp_dir().join(format!(
        "layers_audit3_clash_{}.safetensors",
        std::process::id()
    ));
    let mut model = Sequential::new().add(layer_a::Audit3Clash);
    model.build([3]).unwrap();
    model.save(&path).unwrap();
    let err = Sequential::load(&path)
        .err()
        .expect("loaded a class registered twice");
    let _ = std::fs::remove_file(&path);
    let text = err.to_string();
    assert!(
        text.ends_with(
            "`class_name` `Audit3Clash` is the name of two registered layer types; give one of \
             them `#[layer(name = \"…\")]` (an `#[activation]` layer is named after its \
             function: rename the function)"
        ),
        "{text}"
    );
}

/// A generic wrapper, registered at `Audit3Twice<Dense>` only.
#[derive(Layer)]
struct Audit3Twice<L: Layer> {
    #[layer]
    inner: L,
}

impl<L: Layer> TryCall for Audit3Twice<L> {
    fn try_call(&self, x: &Tensor) -> layers::Result<Tensor> {
        self.inner.try_apply(&self.inner.try_apply(x)?)
    }
}

layers::register_layer!(Audit3Twice<Dense>);

#[test]
fn a_generic_layer_saved_at_an_unregistered_type_says_how_it_loads() {
    let path = std::env::temp_dir().join(format!(
        "layers_audit3_twice_{}.safetensors",
        std::process::id()
    ));
    let mut model = Sequential::new().add(Audit3Twice::new(layers::activation::Tanh));
    model.build([3]).unwrap();
    model.save(&path).unwrap();
    let err = Sequential::load(&path)
        .err()
        .expect("loaded a Tanh as a Dense");
    let _ = std::fs::remove_file(&path);
    let text = err.to_string();
    assert!(
        text.ends_with(
            "layer `sequential.audit3_twice.inner` (Tanh): `class_name` is `Tanh`, but this \
             config is read as a `Dense` (a config loads as the type the program asks for: a \
             field's type, a `Model<…>`'s, the type a generic layer was registered at with \
             `register_layer!`; a `Box<dyn Layer>` field loads any registered class)"
        ),
        "{text}"
    );
}

/// A hand-written layer without `FromConfig`: it saves, and cannot load.
struct Audit3Hand {
    w: Weight,
}

impl Layer for Audit3Hand {
    fn type_name(&self) -> &'static str {
        "Audit3Hand"
    }
    fn forward(&self, x: &Tensor) -> layers::Result<Tensor> {
        Ok(x * self.w.value())
    }
    fn weights(&self) -> Vec<&Weight> {
        vec![&self.w]
    }
    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        vec![&mut self.w]
    }
}

#[test]
fn an_unregistered_layer_class_says_how_classes_are_registered() {
    let path = std::env::temp_dir().join(format!(
        "layers_audit3_hand_{}.safetensors",
        std::process::id()
    ));
    let hand = Audit3Hand {
        w: Weight::from_tensor("w", Tensor::ones(&[3])),
    };
    let mut model = Sequential::new().add(hand);
    model.build([3]).unwrap();
    model.save(&path).unwrap();
    let err = Sequential::load(&path)
        .err()
        .expect("loaded an unregistered class");
    let _ = std::fs::remove_file(&path);
    let text = err.to_string();
    assert!(
        text.contains("unknown layer `Audit3Hand`; known layers: "),
        "{text}"
    );
    assert!(
        text.ends_with(
            " (a `#[derive(Layer)]` or `#[activation]` type registers itself when the program \
             links it; a generic one is registered at a type with \
             `layers::register_layer!(Type<Inner>)`, a hand-written `impl Layer` with a \
             `FromConfig` impl and `register_layer!`)"
        ),
        "{text}"
    );
}
