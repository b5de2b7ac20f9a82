//! Loading the bundled data sets and the failure paths of the loader and the split.

use std::io::Write;

use layers::data::Dataset;
use layers::prelude::*;

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn temp_file(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("layers-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(contents)
        .unwrap();
    path
}

#[test]
fn bundled_sets_load_with_their_documented_sizes() {
    let digits = Dataset::load_csv(data("digits.csv.gz")).unwrap();
    assert_eq!(
        (digits.len(), digits.num_features(), digits.num_classes()),
        (1797, 64, 10)
    );
    // pixel values 0..16
    let max = digits.x.to_vec().into_iter().fold(0.0f32, f32::max);
    assert_eq!(max, 16.0);
    let mnist = Dataset::load_csv(data("mnist_5k.csv.gz")).unwrap();
    assert_eq!(
        (mnist.len(), mnist.num_features(), mnist.num_classes()),
        (5000, 784, 10)
    );
    // 500 images per class
    let zeros = mnist.y.to_vec().iter().filter(|&&l| l == 0.0).count();
    assert_eq!(zeros, 500);
    let iris = Dataset::load_csv(data("iris.csv")).unwrap(); // header line skipped
    assert_eq!(
        (iris.len(), iris.num_features(), iris.num_classes()),
        (150, 4, 3)
    );
}

#[test]
fn stratified_split_keeps_class_shares_and_is_seeded() {
    let digits = Dataset::load_csv(data("digits.csv.gz")).unwrap();
    let (train, test) = digits.stratified_split(0.2, 42).unwrap();
    assert_eq!(train.len() + test.len(), 1797);
    for class in 0..10 {
        let count = |d: &Dataset| d.y.to_vec().iter().filter(|&&l| l == class as f32).count();
        let total = count(&digits);
        // round(total · 0.2) of each class is held out
        assert_eq!(
            count(&test),
            (total as f32 * 0.2).round() as usize,
            "class {class}"
        );
    }
    let (_, again) = digits.stratified_split(0.2, 42).unwrap();
    assert_eq!(again.y.to_vec(), test.y.to_vec());
    let (_, other) = digits.stratified_split(0.2, 43).unwrap();
    assert_ne!(other.x.to_vec(), test.x.to_vec());
    assert!(digits.stratified_split(0.0, 1).is_err());
    assert!(digits.stratified_split(1.0, 1).is_err());
}

#[test]
fn malformed_files_are_errors_naming_file_and_line() {
    let path = temp_file("bad_value.csv", b"1,2,0\n3,x,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("bad_value.csv:2: `x` is not a number"),
        "{err}"
    );

    let path = temp_file("ragged.csv", b"1,2,0\n3,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("ragged.csv:2: expected 3 columns like the first row, found 2"),
        "{err}"
    );

    let path = temp_file("empty.csv", b"");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(err.ends_with("empty.csv: the file holds no rows"), "{err}");

    let path = temp_file("corrupt.csv.gz", b"this is not gzip");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.starts_with("cannot read ") && err.contains("corrupt.csv.gz"),
        "{err}"
    );

    let err = Dataset::load_csv("no/such/file.csv")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("cannot read `no/such/file.csv`: "), "{err}");
}

#[test]
fn bad_labels_are_rejected_by_the_split() {
    let d = Dataset::new(
        Tensor::zeros(&[3, 1]),
        Tensor::from_vec(vec![0.0, 1.5, 1.0], &[3]),
    )
    .unwrap();
    let err = d.stratified_split(0.5, 0).unwrap_err().to_string();
    assert!(
        err.contains("label 1.5 of sample 1 is not a non-negative integer"),
        "{err}"
    );
    assert!(Dataset::new(Tensor::zeros(&[3, 1]), Tensor::zeros(&[2])).is_err());
}
