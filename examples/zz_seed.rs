use layers::prelude::*;
fn main() -> layers::Result<()> {
    let dir = std::path::Path::new("fuzz/seeds/load_model");
    std::fs::create_dir_all(dir).unwrap();
    let mut m = Sequential::new()
        .add(Dense::new(3).activation("relu"))
        .add(BatchNormalization::new())
        .add(Dropout::new(0.25))
        .add(Activation::from_name("elu")?)
        .add(Dense::new(2).named("head"));
    std::fs::write(
        dir.join("dense.json"),
        Dense::new(3).activation("relu").layer_config()?.to_json(),
    )
    .unwrap();
    std::fs::write(dir.join("sequential.json"), m.layer_config()?.to_json()).unwrap();
    m.compile("adam", "mse", &["mae"])?;
    m.train_on_batch(&Tensor::ones(&[2, 4]), &Tensor::zeros(&[2, 2]))?;
    m.save(dir.join("model.safetensors"))?;
    Ok(())
}
