//! Round three of the outside-in audit (custom layers): the boxed optimizers and losses
//! that `optimizer_from_name`, `optimizer_from_config`, `loss_from_name` and
//! `loss_from_config` return go straight into `compile`.

use layers::prelude::*;

#[test]
fn compile_takes_the_boxed_optimizer_and_loss_the_factories_return() {
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let y = Tensor::from_vec(vec![1.0, 0.0], &[2, 1]);
    let mut model = Sequential::new().seed(1).add(Dense::new(1));
    let optimizer = layers::optimizer_from_name("adam").unwrap();
    let loss = layers::loss_from_name("mae").unwrap();
    model.compile(optimizer, loss, &[]).unwrap();
    let boxed = model
        .fit(&x, &y, FitOptions::new().with_epochs(3).verbose(0))
        .unwrap();

    // The same run compiled by name: the same losses, bit for bit.
    let mut by_name = Sequential::new().seed(1).add(Dense::new(1));
    by_name.compile("adam", "mae", &[]).unwrap();
    let named = by_name
        .fit(&x, &y, FitOptions::new().with_epochs(3).verbose(0))
        .unwrap();
    assert_eq!(boxed.history["loss"], named.history["loss"]);

    let config = layers::serde_json::json!({"name": "sgd", "learning_rate": 0.5});
    let optimizer = layers::optimizer_from_config(&config).unwrap();
    let mut model = Sequential::new().add(Dense::new(1));
    model.compile(optimizer, "mse", &[]).unwrap();
}

#[test]
fn a_boxed_loss_has_its_settings_checked_by_compile() {
    let loss: Box<dyn Loss> = Box::new(layers::loss::Huber::new().delta(-1.0));
    let mut model = Sequential::new().add(Dense::new(1));
    let err = model.compile("sgd", loss, &[]).unwrap_err();
    assert!(err.to_string().contains("delta"), "{err}");
}
