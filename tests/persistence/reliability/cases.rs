//! The cases of the reliability suite: what a user can get wrong, and what the library must
//! answer. Each case is a function returning the library's `Result`; the suite runs each in
//! a process of its own. The README's table "What is refused, and how" lists the same cases.

use std::io::Write;

use layers::activation::Relu;
use layers::data::{CsvOptions, Dataset};
use layers::model::callbacks::{EarlyStopping, ModelCheckpoint, ReduceLROnPlateau};
#[cfg(feature = "plot")]
use layers::model::{History, HistoryParams, Logs};
use layers::optim::{
    Adam, CosineDecay, ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay, Sgd,
};
use layers::prelude::*;

/// What a case must end with.
pub enum Outcome {
    /// The call succeeds: a case that used to go wrong silently and now gives the right
    /// answer (the case checks the answer and returns an error if it is wrong).
    Ok,
    /// The call returns this error variant (looking through `Error::Layer`).
    Err(&'static str),
}

/// One hostile or careless input.
pub struct Case {
    /// A short name, unique.
    pub name: &'static str,
    /// The expected outcome.
    pub expect: Outcome,
    /// Words the error message must contain (the layer, file or argument it names).
    pub says: &'static [&'static str],
    /// The case itself.
    pub run: fn() -> layers::Result<()>,
}

/// A user layer with a shape bug: its matmul needs 5 input features.
#[derive(Layer)]
struct Buggy {
    units: usize,
}

impl Call for Buggy {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(Tensor::ones(&[5, self.units]))
    }
}

/// A user layer whose `call` unwraps a `None` once it sees a negative input.
#[derive(Layer)]
struct Unwrapper {
    limit: usize,
}

impl Call for Unwrapper {
    fn call(&self, x: &Tensor) -> Tensor {
        let first_negative = x.to_vec().into_iter().position(|v| v < 0.0);
        let ok: Option<usize> = if first_negative.is_some() {
            None
        } else {
            Some(self.limit)
        };
        x * ok.expect("the user's unwrap") as f32
    }
}

fn mlp() -> Sequential {
    Sequential::new()
        .add(Dense::new(4).activation(Relu))
        .add(Dense::new(2))
}

fn compiled(model: Sequential) -> layers::Result<Sequential> {
    let mut m = model;
    m.compile("adam", "mse", &[])?;
    Ok(m)
}

fn xy(samples: usize) -> (Tensor, Tensor) {
    (Tensor::ones(&[samples, 3]), Tensor::zeros(&[samples, 2]))
}

fn quiet() -> FitOptions {
    FitOptions::new().verbose(0)
}

/// Fails with a data error when `ok` is false: how an `Outcome::Ok` case reports a wrong
/// answer.
fn expect(ok: bool, what: &str) -> layers::Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::Data {
            source_name: "reliability".into(),
            message: what.into(),
        })
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("layers-reliability-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).expect("temp file");
    f.write_all(bytes).expect("temp write");
    path
}

/// Every case, in the order of the README's table.
pub static CASES: &[Case] = &[
    // ---- data handed to fit / evaluate / predict
    Case {
        name: "fit_before_compile",
        expect: Outcome::Err("NotCompiled"),
        says: &["call `compile` before `fit`"],
        run: || {
            let (x, y) = xy(4);
            mlp().fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "fit_nan_in_x",
        expect: Outcome::Err("Data"),
        says: &["NaN", "sample 2"],
        run: || {
            let (x, y) = xy(4);
            let mut v = x.to_vec();
            v[7] = f32::NAN;
            let x = Tensor::from_vec(v, &[4, 3]);
            compiled(mlp())?.fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "fit_sample_counts_differ",
        expect: Outcome::Err("Data"),
        says: &["4", "3"],
        run: || {
            let (x, _) = xy(4);
            let (_, y) = xy(3);
            compiled(mlp())?.fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "fit_empty_data",
        expect: Outcome::Err("Data"),
        says: &["no samples"],
        run: || {
            let (x, y) = xy(0);
            compiled(mlp())?.fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "fit_batch_size_zero",
        expect: Outcome::Err("InvalidArgument"),
        says: &["batch size"],
        run: || {
            let (x, y) = xy(4);
            compiled(mlp())?
                .fit(&x, &y, quiet().batch_size(0))
                .map(drop)
        },
    },
    Case {
        name: "fit_label_out_of_range",
        expect: Outcome::Err("InvalidArgument"),
        says: &["label 7", "sample 1", "2 classes"],
        run: || {
            let mut m = mlp();
            m.compile("adam", "sparse_categorical_crossentropy", &[])?;
            let x = Tensor::ones(&[2, 3]);
            let y = Tensor::from_vec(vec![1.0, 7.0], &[2]);
            m.fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "compile_label_smoothing_out_of_range",
        expect: Outcome::Err("InvalidArgument"),
        says: &[
            "binary_crossentropy",
            "label_smoothing must be in [0, 1]",
            "1.5",
        ],
        run: || {
            let loss = layers::loss::BinaryCrossentropy::new().label_smoothing(1.5);
            mlp().compile("adam", loss, &[])
        },
    },
    Case {
        name: "conv_transpose_output_padding_not_below_stride",
        expect: Outcome::Err("InvalidConfig"),
        says: &["output_padding", "below its stride", "(2, 0)", "(2, 2)"],
        run: || {
            let mut m = Sequential::new().add(
                Conv2DTranspose::new(2, (3, 3))
                    .strides((2, 2))
                    .output_padding((2, 0)),
            );
            m.build([4, 4, 1]).map(drop)
        },
    },
    Case {
        name: "predict_wrong_width",
        expect: Outcome::Err("InputShape"),
        says: &["(None, 3)", "(None, 5)"],
        run: || {
            let mut m = compiled(mlp())?;
            m.build([3])?;
            m.predict(&Tensor::ones(&[2, 5])).map(drop)
        },
    },
    // ---- panics inside a layer's call
    Case {
        name: "user_shape_bug_in_fit",
        expect: Outcome::Err("Call"),
        says: &["buggy", "matmul", "[5, 2]"],
        run: || {
            let mut m = compiled(Sequential::new().add(Buggy::new(2)))?;
            let (x, y) = xy(4);
            m.fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "user_unwrap_in_predict_keeps_the_model",
        expect: Outcome::Ok,
        says: &[],
        run: || {
            let mut m = compiled(Sequential::new().add(Unwrapper::new(1)).add(Dense::new(2)))?;
            m.build([3])?;
            let before = m.get_weights()?;
            let bad = Tensor::full(&[1, 3], -1.0);
            let err = m.predict(&bad).err();
            let named = err.as_ref().is_some_and(|e| {
                let text = e.to_string();
                text.contains("unwrapper") && text.contains("the user's unwrap")
            });
            expect(named, "the unwrap became an error naming the layer")?;
            let after = m.get_weights()?;
            let same = before
                .iter()
                .zip(&after)
                .all(|(a, b)| a.to_vec() == b.to_vec());
            expect(same, "a failed predict changes no weight")?;
            // fit still works afterwards: the compiled state survived
            let (x, y) = xy(4);
            let fitted = m.fit(&x, &y, quiet());
            expect(fitted.is_ok(), "fit after a failed predict")?;
            Ok(())
        },
    },
    Case {
        name: "user_unwrap_in_train_on_batch",
        expect: Outcome::Err("Call"),
        says: &["unwrapper", "the user's unwrap"],
        run: || {
            let mut m = compiled(Sequential::new().add(Unwrapper::new(1)).add(Dense::new(2)))?;
            m.train_on_batch(&Tensor::full(&[2, 3], -1.0), &Tensor::zeros(&[2, 2]))
                .map(drop)
        },
    },
    Case {
        name: "embedding_id_out_of_range_in_fit",
        expect: Outcome::Err("Call"),
        says: &["embedding", "id 10", "input_dim is 10"],
        run: || {
            let mut m = Sequential::new()
                .add(Embedding::new(10, 4))
                .add(Flatten::new())
                .add(Dense::new(1));
            m.compile("sgd", "mse", &[])?;
            let x = Tensor::from_vec(vec![1.0, 10.0], &[1, 2]);
            m.fit(&x, &Tensor::zeros(&[1, 1]), quiet()).map(drop)
        },
    },
    Case {
        name: "apply_of_a_buggy_layer_is_an_error",
        expect: Outcome::Err("Call"),
        says: &["buggy"],
        run: || Buggy::new(1).try_apply(&Tensor::ones(&[2, 3])).map(drop),
    },
    // ---- hyperparameters and configurations
    Case {
        name: "learning_rate_nan",
        expect: Outcome::Err("InvalidArgument"),
        says: &["learning_rate", "NaN"],
        run: || mlp().compile(Adam::new().with_learning_rate(f32::NAN), "mse", &[]),
    },
    Case {
        name: "learning_rate_negative",
        expect: Outcome::Err("InvalidArgument"),
        says: &["learning_rate", "-0.1"],
        run: || mlp().compile(Sgd::new().with_learning_rate(-0.1), "mse", &[]),
    },
    Case {
        name: "momentum_nan",
        expect: Outcome::Err("InvalidArgument"),
        says: &["momentum"],
        run: || mlp().compile(Sgd::new().momentum(f32::NAN), "mse", &[]),
    },
    Case {
        name: "update_that_overflows_changes_nothing",
        expect: Outcome::Ok,
        says: &[],
        run: || {
            let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
            m.compile(Sgd::new().with_learning_rate(1e30), "mse", &[])?;
            m.build([1])?;
            m.set_weights(&[Tensor::ones(&[1, 1])])?;
            let x = Tensor::full(&[2, 1], 1e5);
            let refused = m.train_on_batch(&x, &Tensor::zeros(&[2, 1])).is_err();
            expect(refused, "the overflowing step is refused")?;
            let w = m.get_weights()?[0].to_vec();
            expect(w == vec![1.0], "the weight is unchanged")
        },
    },
    Case {
        name: "refused_step_keeps_batch_norm_statistics",
        expect: Outcome::Ok,
        says: &[],
        run: || {
            let mut m = Sequential::new()
                .add(BatchNormalization::new())
                .add(Dense::new(1));
            m.compile("sgd", "mse", &[])?;
            m.build([2])?;
            let before = m.get_weights()?;
            let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 5.0], &[2, 2]);
            let refused = m.train_on_batch(&x, &Tensor::full(&[2, 1], 3e38)).is_err();
            expect(refused, "the step with an infinite loss is refused")?;
            let after = m.get_weights()?;
            let same = before
                .iter()
                .zip(&after)
                .all(|(a, b)| a.to_vec() == b.to_vec());
            expect(same, "no weight or statistic moved")
        },
    },
    Case {
        name: "schedule_survives_fit",
        expect: Outcome::Ok,
        says: &[],
        run: || {
            let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
            m.compile(
                Sgd::new().schedule(ExponentialDecay::new(0.1, 1, 0.5)?),
                "mse",
                &[],
            )?;
            m.build([1])?;
            m.set_weights(&[Tensor::ones(&[1, 1])])?;
            let (x, y) = (Tensor::ones(&[1, 1]), Tensor::zeros(&[1, 1]));
            m.fit(&x, &y, quiet().with_epochs(3).batch_size(1))?;
            // mse gradient 2w, rates 0.1, 0.05, 0.025: w = 0.8 · 0.9 · 0.95 = 0.684
            // (a schedule dropped by fit would give 0.8³ = 0.512)
            let w = m.get_weights()?[0].to_vec()[0];
            expect(
                (w - 0.684).abs() < 1e-6,
                "the weight after three decayed steps",
            )
        },
    },
    Case {
        name: "reduce_lr_on_plateau_factor_one",
        expect: Outcome::Err("InvalidArgument"),
        says: &["ReduceLROnPlateau", "`factor`", "1"],
        run: || {
            let (x, y) = xy(4);
            let reduce = ReduceLROnPlateau::new("loss").factor(1.0);
            compiled(mlp())?
                .fit(&x, &y, quiet().callback(reduce))
                .map(drop)
        },
    },
    Case {
        name: "checkpoint_save_freq_zero",
        expect: Outcome::Err("InvalidArgument"),
        says: &["ModelCheckpoint", "`save_freq`", "0"],
        run: || {
            let (x, y) = xy(4);
            let path = std::env::temp_dir().join("layers-reliability-ckpt.safetensors");
            let checkpoint = ModelCheckpoint::new(path.to_str().unwrap_or("m.safetensors"));
            compiled(mlp())?
                .fit(&x, &y, quiet().callback(checkpoint.save_freq(0)))
                .map(drop)
        },
    },
    Case {
        name: "early_stopping_unknown_mode",
        expect: Outcome::Err("InvalidArgument"),
        says: &["EarlyStopping", "`mode`", "auto, min, max", "maximum"],
        run: || {
            let (x, y) = xy(4);
            let stop = EarlyStopping::new("loss").mode("maximum");
            compiled(mlp())?
                .fit(&x, &y, quiet().callback(stop))
                .map(drop)
        },
    },
    Case {
        name: "schedule_bad_settings",
        expect: Outcome::Err("InvalidArgument"),
        says: &[
            "PiecewiseConstantDecay",
            "boundaries[1] = 10",
            "boundaries[0] = 20",
        ],
        run: || {
            // a PolynomialDecay with a NaN power and a CosineDecay over 0 steps are refused
            // the same way before this, by the same checks
            let power = PolynomialDecay::new(0.1, 10).and_then(|s| s.power(f32::NAN));
            let steps = CosineDecay::new(0.1, 0);
            expect(
                power.is_err() && steps.is_err(),
                "PolynomialDecay and CosineDecay refusals",
            )?;
            let s = PiecewiseConstantDecay::new([20, 10], [0.1, 0.01, 0.001])?;
            let _ = Sgd::new().schedule(s);
            Ok(())
        },
    },
    Case {
        name: "dense_zero_units",
        expect: Outcome::Err("InvalidConfig"),
        says: &["dense", "units", "0"],
        run: || Dense::new(0).build([3]).map(drop),
    },
    Case {
        name: "batch_norm_momentum_nan",
        expect: Outcome::Err("InvalidConfig"),
        says: &["batch_normalization", "momentum"],
        run: || {
            BatchNormalization::new()
                .momentum(f32::NAN)
                .build([3])
                .map(drop)
        },
    },
    Case {
        name: "dropout_rate_above_one",
        expect: Outcome::Err("InvalidConfig"),
        says: &["dropout", "rate"],
        run: || Dropout::new(1.5).build([3]).map(drop),
    },
    Case {
        name: "constant_initializer_nan",
        expect: Outcome::Err("InvalidConfig"),
        says: &["dense", "kernel_initializer", "constant", "NaN"],
        run: || {
            Dense::new(2)
                .kernel_initializer(Initializer::constant(f32::NAN))
                .build([3])
                .map(drop)
        },
    },
    Case {
        name: "unknown_activation_name",
        expect: Outcome::Err("UnknownName"),
        says: &["dense", "rleu", "relu"],
        run: || Dense::new(2).activation("rleu").build([3]).map(drop),
    },
    Case {
        name: "regularizer_negative_factor",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`dense`", "`kernel_regularizer`", "-0.1"],
        run: || {
            let mut m =
                Sequential::new().add(Dense::new(2).kernel_regularizer(Regularizer::l2(-0.1)));
            m.build([3]).map(drop)
        },
    },
    Case {
        name: "constraint_axis_out_of_range",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`conv2d`", "`kernel_constraint`", "axis", "4"],
        run: || {
            let c = Constraint::max_norm(2.0).with_axis([0, 1, 4]);
            let mut m = Sequential::new().add(layers::Conv2D::new(2, (3, 3)).kernel_constraint(c));
            m.build([5, 5, 1]).map(drop)
        },
    },
    Case {
        name: "activity_regularization_nan",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`activity_regularization`", "`l1`", "NaN"],
        run: || {
            let mut m = Sequential::new().add(ActivityRegularization::new().l1(f32::NAN));
            m.build([3]).map(drop)
        },
    },
    Case {
        name: "set_weights_on_unbuilt_model",
        expect: Outcome::Err("Unbuilt"),
        says: &["build"],
        run: || mlp().set_weights(&[Tensor::zeros(&[7, 7])]),
    },
    // ---- sizes from configs and data
    Case {
        name: "dense_of_four_terabytes",
        expect: Outcome::Err("Allocation"),
        says: &["kernel", "bytes"],
        run: || Dense::new(1_000_000).build([1_000_000]).map(drop),
    },
    Case {
        name: "tensor_of_a_trillion_elements",
        expect: Outcome::Err("Allocation"),
        says: &["bytes"],
        run: || Tensor::try_zeros(&[1_000_000, 1_000_000]).map(drop),
    },
    Case {
        name: "shape_product_overflows",
        expect: Outcome::Err("Allocation"),
        says: &[],
        run: || Tensor::try_zeros(&[usize::MAX, 3]).map(drop),
    },
    // ---- files
    Case {
        name: "csv_endless_stream",
        expect: Outcome::Err("Data"),
        says: &["/dev/zero"],
        run: || Dataset::load_csv("/dev/zero").map(drop),
    },
    Case {
        name: "csv_typo_in_first_row",
        expect: Outcome::Err("Data"),
        says: &["line 1", "2.O"],
        run: || Dataset::load_csv(temp_file("typo.csv", b"1,2.O,0\n3,4,1\n")).map(drop),
    },
    Case {
        name: "csv_trailing_comma",
        expect: Outcome::Err("Data"),
        says: &["comma.csv:2", "column 3 is empty"],
        run: || Dataset::load_csv(temp_file("comma.csv", b"1,2,0\n3,4,\n")).map(drop),
    },
    Case {
        name: "csv_huge_label",
        expect: Outcome::Err("Data"),
        says: &["1e30"],
        run: || Dataset::load_csv(temp_file("label.csv", b"1,2,0\n3,4,1e30\n")).map(drop),
    },
    Case {
        name: "csv_line_longer_than_the_limit",
        expect: Outcome::Err("Data"),
        says: &["long.csv:1", "1000 bytes"],
        run: || {
            let long = "1,".repeat(600) + "0\n";
            let path = temp_file("long.csv", long.as_bytes());
            Dataset::load_csv_with(path, CsvOptions::new().max_line_bytes(1000)).map(drop)
        },
    },
    Case {
        name: "csv_missing_file",
        expect: Outcome::Err("Io"),
        says: &["no-such-file.csv"],
        run: || Dataset::load_csv("/nonexistent/no-such-file.csv").map(drop),
    },
    Case {
        name: "save_over_a_socket",
        expect: Outcome::Err("Io"),
        says: &["model.sock", "not a regular file"],
        run: || {
            // A socket stands for `/dev/null`, which the save replaced when run as root.
            let path = temp_file("model.sock", b"");
            std::fs::remove_file(&path).expect("temp file removed");
            let _listener = std::os::unix::net::UnixListener::bind(&path).expect("a socket");
            let mut model = mlp();
            model.build([3])?;
            let result = model.save(&path);
            let _ = std::fs::remove_file(&path);
            result
        },
    },
    #[cfg(feature = "plot")]
    Case {
        name: "plot_of_nothing_finite",
        expect: Outcome::Err("InvalidArgument"),
        says: &["finite"],
        run: || {
            let mut h = History::new(HistoryParams {
                verbose: 0,
                epochs: 2,
                steps: 1,
            });
            h.record(0, &Logs::from([("loss", f32::NAN)]));
            h.record(1, &Logs::from([("loss", f32::INFINITY)]));
            let path = std::env::temp_dir().join("layers-reliability-nan.svg");
            h.plot(path).map(drop)
        },
    },
    Case {
        name: "dataset_split_with_nan_fraction",
        expect: Outcome::Err("InvalidArgument"),
        says: &["fraction"],
        run: || {
            let d = Dataset::new(
                Tensor::zeros(&[4, 2]),
                Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0], &[4]),
            )?;
            d.stratified_split(f32::NAN, 0).map(drop)
        },
    },
    // ---- preprocessing and activation layers
    Case {
        name: "normalization_given_data_before_adapt",
        expect: Outcome::Err("Call"),
        says: &["`normalization`", "call `adapt` on data first"],
        run: || {
            let (x, y) = xy(4);
            let model = Sequential::new()
                .add(Normalization::new())
                .add(Dense::new(2));
            compiled(model)?.fit(&x, &y, quiet()).map(drop)
        },
    },
    Case {
        name: "normalization_adapt_on_nan",
        expect: Outcome::Err("Data"),
        says: &["`normalization`", "NaN", "batch 0"],
        run: || {
            let x = Tensor::from_vec(vec![1.0, f32::NAN, 2.0, 3.0], &[2, 2]);
            Normalization::new().adapt(&x)
        },
    },
    Case {
        name: "normalization_negative_variance",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`normalization`", "`variance`", "-1.0"],
        run: || {
            let mut norm = Normalization::new().mean(0.0).variance(-1.0);
            norm.build([3]).map(drop)
        },
    },
    Case {
        name: "relu_negative_max_value",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`re_lu`", "`max_value`", "-1.0"],
        run: || ReLU::new().max_value(-1.0).build([3]).map(drop),
    },
    Case {
        name: "prelu_shared_batch_axis",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`p_re_lu`", "`shared_axes`", "batch axis"],
        run: || PReLU::new().shared_axes(vec![0]).build([3]).map(drop),
    },
    // ---- recurrent states and masks
    Case {
        name: "recurrent_initial_state_of_wrong_shape",
        expect: Outcome::Err("ShapeMismatch"),
        says: &["`lstm`", "(2, 4)", "[2, 5]"],
        run: || {
            let states = [Tensor::zeros(&[2, 4]), Tensor::zeros(&[2, 5])];
            let x = Tensor::ones(&[2, 3, 2]);
            Lstm::new(4).call_with_state(&x, Some(&states)).map(drop)
        },
    },
    Case {
        name: "mask_reaching_a_layer_that_does_not_take_it",
        expect: Outcome::Err("InvalidArgument"),
        says: &["`flatten`", "does not take a mask"],
        run: || {
            let mut model = Sequential::new().add(Masking::new(0.0)).add(Flatten::new());
            model.build([3, 2]).map(drop)
        },
    },
    Case {
        name: "softmax_mask_not_broadcasting",
        expect: Outcome::Err("InvalidArgument"),
        says: &["`softmax`", "does not broadcast to the input"],
        run: || {
            let mut model = Sequential::new()
                .add(Embedding::new(4, 3).mask_zero(true))
                .add(Softmax::new());
            model.build([5])?;
            model.predict(&Tensor::ones(&[2, 5])).map(drop)
        },
    },
    Case {
        name: "time_distributed_mask_of_other_steps",
        expect: Outcome::Err("Call"),
        says: &["TimeDistributed", "(batch, steps) = (2, 3)", "[2, 4]"],
        run: || {
            let td = TimeDistributed::new(Dense::new(2));
            let mask = Tensor::ones(&[2, 4]);
            td.forward_masked(&Tensor::ones(&[2, 3, 4]), Some(&mask))
                .map(drop)
        },
    },
    Case {
        name: "rescaling_array_not_broadcasting",
        expect: Outcome::Err("Call"),
        says: &["`rescaling`", "`scale` has shape (2,)", "(None, 2, 3)"],
        run: || {
            let mut model = Sequential::new().add(Rescaling::new([1.0, 2.0]));
            model.build([2, 3]).map(drop)
        },
    },
    Case {
        name: "recurrent_mask_not_zero_or_one",
        expect: Outcome::Err("InvalidArgument"),
        says: &["`gru`", "0.5"],
        run: || {
            let mask = Tensor::from_vec(vec![1.0, 0.5, 1.0], &[1, 3]);
            let x = Tensor::ones(&[1, 3, 2]);
            Gru::new(2).call_masked(&x, None, Some(&mask)).map(drop)
        },
    },
    Case {
        name: "attention_mask_of_the_wrong_shape",
        expect: Outcome::Err("InvalidArgument"),
        says: &["`multi_head_attention`", "`value_mask`", "(2, 5)", "[2, 4]"],
        run: || {
            let mha = MultiHeadAttention::new(2, 3);
            let (query, value) = (Tensor::ones(&[2, 3, 4]), Tensor::ones(&[2, 5, 6]));
            let mask = Tensor::ones(&[2, 4]);
            mha.attention(&query, &value)
                .value_mask(&mask)
                .run()
                .map(drop)
        },
    },
    // ---- reshaping, normalization and noise layers
    Case {
        name: "permute_dims_not_a_permutation",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`permute`", "dims", "[1, 3]"],
        run: || Permute::new(vec![1, 3]).build([2, 3]).map(drop),
    },
    Case {
        name: "cropping_larger_than_the_input",
        expect: Outcome::Err("Call"),
        says: &["`cropping2d`", "cropping", "3 rows"],
        run: || {
            let mut model = Sequential::new().add(Cropping2D::new().cropping((2, 0)));
            model.build([3, 4, 1]).map(drop)
        },
    },
    Case {
        name: "group_normalization_groups_not_dividing_channels",
        expect: Outcome::Err("Call"),
        says: &["`group_normalization`", "groups", "(3)", "8"],
        run: || GroupNormalization::new().groups(3).build([8]).map(drop),
    },
    Case {
        name: "noise_rate_outside_0_1",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`spatial_dropout1d`", "rate", "1.5"],
        run: || {
            let mut model = Sequential::new().add(SpatialDropout1D::new(1.5));
            model.build([3, 2]).map(drop)
        },
    },
    Case {
        name: "gaussian_noise_stddev_nan",
        expect: Outcome::Err("InvalidConfig"),
        says: &["`gaussian_noise`", "stddev", "NaN"],
        run: || GaussianNoise::new(f32::NAN).build([3]).map(drop),
    },
];
