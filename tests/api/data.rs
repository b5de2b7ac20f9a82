//! Loading the bundled data sets and the failure paths of the loader and the split.

use std::io::Write;

use layers::data::{CsvOptions, Dataset};
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

#[cfg(feature = "gzip")]
#[test]
fn bundled_sets_load_with_their_documented_sizes() {
    let digits = Dataset::load_csv(data("digits.csv.gz")).unwrap();
    assert_eq!(
        (
            digits.len(),
            digits.num_features(),
            digits.num_classes().unwrap()
        ),
        (1797, 64, 10)
    );
    // pixel values 0..16
    let max = digits.x().to_vec().into_iter().fold(0.0f32, f32::max);
    assert_eq!(max, 16.0);
    let mnist = Dataset::load_csv(data("mnist_5k.csv.gz")).unwrap();
    assert_eq!(
        (
            mnist.len(),
            mnist.num_features(),
            mnist.num_classes().unwrap()
        ),
        (5000, 784, 10)
    );
    // 500 images per class
    let zeros = mnist.y().to_vec().iter().filter(|&&l| l == 0.0).count();
    assert_eq!(zeros, 500);
    // iris.csv's header `150,4,setosa,…` has numbers in it, so the caller says it is one.
    let iris = Dataset::load_csv_with(data("iris.csv"), CsvOptions::new().header(true)).unwrap();
    assert_eq!(
        (iris.len(), iris.num_features(), iris.num_classes().unwrap()),
        (150, 4, 3)
    );
}

#[cfg(feature = "gzip")]
#[test]
fn stratified_split_keeps_class_shares_and_is_seeded() {
    let digits = Dataset::load_csv(data("digits.csv.gz")).unwrap();
    let (train, test) = digits.stratified_split(0.2, 42).unwrap();
    assert_eq!(train.len() + test.len(), 1797);
    for class in 0..10 {
        let count = |d: &Dataset| {
            d.y()
                .to_vec()
                .iter()
                .filter(|&&l| l == class as f32)
                .count()
        };
        let total = count(&digits);
        // round(total · 0.2) of each class is held out
        assert_eq!(
            count(&test),
            (total as f32 * 0.2).round() as usize,
            "class {class}"
        );
    }
    let (_, again) = digits.stratified_split(0.2, 42).unwrap();
    assert_eq!(again.y().to_vec(), test.y().to_vec());
    let (_, other) = digits.stratified_split(0.2, 43).unwrap();
    assert_ne!(other.x().to_vec(), test.x().to_vec());
    assert!(digits.stratified_split(0.0, 1).is_err());
    assert!(digits.stratified_split(1.0, 1).is_err());
}

#[test]
fn malformed_files_are_errors_naming_file_and_line() {
    let path = temp_file("bad_value.csv", b"1,2,0\n3,x,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("bad_value.csv:2: column 2: `x` is not a number"),
        "{err}"
    );

    let path = temp_file("ragged.csv", b"1,2,0\n3,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("ragged.csv:2: expected 3 columns like line 1, found 2"),
        "{err}"
    );
    let path = temp_file("ragged_long.csv", b"\n1,2,0\n3,1,0,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("ragged_long.csv:3: expected 3 columns like line 2, found 4"),
        "{err}"
    );
    let path = temp_file("one_column.csv", b"1\n2\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "one_column.csv:1: a row needs at least one feature and a label, found 1 column"
        ),
        "{err}"
    );

    let path = temp_file("empty.csv", b"");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(err.ends_with("empty.csv: the file holds no rows"), "{err}");
    let path = temp_file("only_header.csv", b"x,y\n\n \n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("only_header.csv: the file holds no rows"),
        "{err}"
    );

    // A file that opens but does not decompress holds bad data; it is no file error.
    let path = temp_file("corrupt.csv.gz", b"this is not gzip");
    let err = Dataset::load_csv(&path).unwrap_err();
    assert!(matches!(err, Error::Data { .. }), "{err:?}");
    let err = err.to_string();
    assert!(
        err.starts_with(&format!("{}: the gzip data is corrupt: ", path.display())),
        "{err}"
    );

    let err = Dataset::load_csv("no/such/file.csv").unwrap_err();
    let Error::Io { cause, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(cause.kind(), std::io::ErrorKind::NotFound);
    assert!(
        err.to_string()
            .starts_with("cannot read `no/such/file.csv`: "),
        "{err}"
    );
}

#[test]
fn bad_labels_are_rejected_by_the_split() {
    let d = Dataset::new(
        Tensor::zeros(&[3, 1]),
        Tensor::from_vec(vec![0.0, 1.5, 1.0], &[3]),
    )
    .unwrap();
    let err = d.stratified_split(0.5, 0).unwrap_err().to_string();
    assert_eq!(
        err,
        "y: label 1.5 of sample 1 is not a class index; expected a whole number from 0 to 16777215"
    );
    assert!(Dataset::new(Tensor::zeros(&[3, 1]), Tensor::zeros(&[2])).is_err());
}

#[test]
fn a_first_row_with_a_typo_is_an_error_not_a_header() {
    // Line 1 has numbers in it, so it is data, and `2.O` (letter O) is reported, not skipped.
    let path = temp_file("typo_first.csv", b"1,2.O,0\n3,4,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "typo_first.csv:1: column 2: `2.O` is not a number; \
             if line 1 is a header, load with `CsvOptions::new().header(true)`"
        ),
        "{err}"
    );
    let err = Dataset::load_csv_with(&path, CsvOptions::new().header(false))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("typo_first.csv:1: column 2: `2.O` is not a number"),
        "{err}"
    );

    // A header none of whose cells is a number is detected and skipped.
    let path = temp_file("named.csv", b"x1, x2 ,label\n1,2,0\n3,4,1\n");
    let d = Dataset::load_csv(&path).unwrap();
    assert_eq!(d.x().to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    assert_eq!(d.y().to_vec(), vec![0.0, 1.0]);
    // So is one with an empty cell (pandas' unnamed index column).
    let path = temp_file("index_header.csv", b",x,label\n0,2,1\n");
    let d = Dataset::load_csv(&path).unwrap();
    assert_eq!(d.x().to_vec(), vec![0.0, 2.0]);
    // A first row with a word and an empty cell is taken as a header only when nothing in
    // it is a number: here `5` is, so the row is data with a bad cell, and the hint shows.
    let path = temp_file("mixed_first.csv", b",x,5\n0,2,1\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "mixed_first.csv:1: column 1 is empty; \
             if line 1 is a header, load with `CsvOptions::new().header(true)`"
        ),
        "{err}"
    );
    // Said explicitly, a header is skipped even when it is all numbers …
    let path = temp_file("numeric_header.csv", b"1,2,3\n5,6,1\n");
    let d = Dataset::load_csv_with(&path, CsvOptions::new().header(true)).unwrap();
    assert_eq!(d.x().to_vec(), vec![5.0, 6.0]);
    // … and `header(false)` reads line 1 as data even when nothing in it is a number.
    let path = temp_file("no_header.csv", b"a,b,c\n5,6,1\n");
    let err = Dataset::load_csv_with(&path, CsvOptions::new().header(false))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("no_header.csv:1: column 1: `a` is not a number"),
        "{err}"
    );

    // iris's header `150,4,setosa,…` holds numbers, so without `header(true)` it is an error
    // at its first word, not a silently dropped row.
    let err = Dataset::load_csv(data("iris.csv")).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "iris.csv:1: column 3: `setosa` is not a number; \
             if line 1 is a header, load with `CsvOptions::new().header(true)`"
        ),
        "{err}"
    );
}

#[test]
fn usual_layouts_load_exactly() {
    // A UTF-8 byte-order mark before data, CRLF line ends, quoted cells, spaces around
    // numbers, blank and whitespace-only lines, no final newline: 3 rows of 2 features.
    let text = b"\xEF\xBB\xBF1,2,0\r\n\r\n \"3.5\" , -4 ,\"1\"\r\n   \n\t\n5e-1,6,2";
    let d = Dataset::load_csv(temp_file("layouts.csv", text)).unwrap();
    assert_eq!(d.x().shape(), &[3, 2]);
    assert_eq!(d.x().to_vec(), vec![1.0, 2.0, 3.5, -4.0, 0.5, 6.0]);
    assert_eq!(d.y().to_vec(), vec![0.0, 1.0, 2.0]);
    // A byte-order mark before a header: the header is still recognised.
    let d = Dataset::load_csv(temp_file("bom_header.csv", b"\xEF\xBB\xBFa,b\n7,1\n")).unwrap();
    assert_eq!(d.x().to_vec(), vec![7.0]);
    // A line number counts blank lines: the bad cell is on line 4 of the file.
    let path = temp_file("late_error.csv", b"1,0\n\n\n2,zero\n");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with("late_error.csv:4: column 2: `zero` is not a number"),
        "{err}"
    );
}

#[test]
fn empty_and_non_finite_cells_name_their_column() {
    let cases: [(&[u8], &str); 12] = [
        (b"1,0\n\"1,5\",0\n", ":2: column 1: `1,5` is not a number"),
        (
            b"1,0\n2,\"0\n",
            ":2: column 2: the quoted cell is not closed",
        ),
        (
            b"1,0\n\"2\"x,0\n",
            ":2: column 1: text follows the closing quote",
        ),
        // A control character is shown escaped; a quote inside a bare cell as it is.
        (b"1,0\n2\x00,0\n", ":2: column 1: `2\\0` is not a number"),
        (b"1,0\n2\",0\n", ":2: column 1: `2\"` is not a number"),
        // All empty: not a header (no word in it), but a row of empty cells.
        (b",,\n1,2,0\n", ":1: column 1 is empty"),
        (b"1,2,0\n3,4,\n", ":2: column 3 is empty"),
        (b"1,,0\n", ":1: column 2 is empty"),
        (b"1,2,0,\n", ":1: column 4 is empty"),
        (b"nan,2,0\n", ":1: column 1: `nan` is not a finite number"),
        (b"1,-inf,0\n", ":1: column 2: `-inf` is not a finite number"),
        // 1e39 is finite as text but beyond f32::MAX ≈ 3.4e38, so it would read as inf.
        (
            b"1,1e39,0\n",
            ":1: column 2: `1e39` is beyond the range of f32 (largest magnitude 3.4028235e38)",
        ),
    ];
    for (i, (text, expected)) in cases.into_iter().enumerate() {
        let name = format!("cell_{i}.csv");
        let err = Dataset::load_csv(temp_file(&name, text))
            .unwrap_err()
            .to_string();
        assert!(err.ends_with(&format!("{name}{expected}")), "{err}");
    }
}

#[test]
fn labels_must_be_class_indices_and_never_wrap() {
    let hint = "expected a whole number from 0 to 16777215 \
                (load with `CsvOptions::class_labels(false)` for other targets)";
    for (i, label) in ["1e30", "-1", "0.5", "16777216"].into_iter().enumerate() {
        let name = format!("label_{i}.csv");
        let path = temp_file(&name, format!("1,0\n2,{label}\n").as_bytes());
        let err = Dataset::load_csv(&path).unwrap_err().to_string();
        let expected =
            format!("{name}:2: column 2 (the label): `{label}` is not a class index; {hint}");
        assert!(err.ends_with(&expected), "{err}");
    }
    // 2^24 − 1 is the largest label, so 2^24 classes.
    let path = temp_file("label_max.csv", b"1,16777215\n");
    let d = Dataset::load_csv(&path).unwrap();
    assert_eq!(d.num_classes().unwrap(), 16_777_216);

    // As regression targets any finite value loads, and `num_classes` says why it has none.
    let path = temp_file("targets.csv", b"1,1e30\n2,0\n");
    let d = Dataset::load_csv_with(&path, CsvOptions::new().class_labels(false)).unwrap();
    assert_eq!(d.y().to_vec(), vec![1e30, 0.0]);
    let err = d.num_classes().unwrap_err().to_string();
    assert_eq!(
        err,
        "y: label 1e30 of sample 0 is not a class index; expected a whole number from 0 to 16777215"
    );
    let nan = Dataset::new(
        Tensor::zeros(&[2, 1]),
        Tensor::from_vec(vec![0.0, f32::NAN], &[2]),
    )
    .unwrap();
    assert!(
        nan.num_classes()
            .unwrap_err()
            .to_string()
            .contains("label NaN of sample 1")
    );

    // One-hot labels (samples, k): k classes. No samples: no classes.
    let one_hot = Dataset::new(Tensor::zeros(&[2, 1]), Tensor::zeros(&[2, 3])).unwrap();
    assert_eq!(one_hot.num_classes().unwrap(), 3);
    let empty = Dataset::new(Tensor::zeros(&[0, 2]), Tensor::zeros(&[0])).unwrap();
    assert_eq!(empty.num_classes().unwrap(), 0);
}

#[cfg(feature = "gzip")]
/// A gzip member holding `data` in one stored (uncompressed) deflate block, written by
/// hand from RFC 1952 and RFC 1951 so the test does not trust the decoder's own encoder.
fn gzip_member(data: &[u8]) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xEDB8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926); // the standard check value
    let len = u16::try_from(data.len()).unwrap();
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]; // magic, deflate, no flags
    out.push(1); // final block, stored
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(!len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(feature = "gzip")]
#[test]
fn every_member_of_a_multi_member_gzip_is_read() {
    // What `gzip -c a.csv b.csv` or `cat a.gz b.gz` produce: two members, one file.
    let mut bytes = gzip_member(b"1,2,0\n");
    bytes.extend(gzip_member(b"3,4,1\n5,6,2\n"));
    let d = Dataset::load_csv(temp_file("two_members.csv.gz", &bytes)).unwrap();
    assert_eq!(d.x().to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(d.y().to_vec(), vec![0.0, 1.0, 2.0]);
    // Gzip is recognised by its magic bytes too, whatever the name.
    let d = Dataset::load_csv(temp_file("gzipped_no_suffix.csv", &bytes)).unwrap();
    assert_eq!(d.len(), 3);
}

#[cfg(feature = "gzip")]
#[test]
fn a_cut_gzip_is_bad_data_and_an_unreadable_file_an_io_error() {
    // The decoder's complaint (the stream ends inside its trailer) is about the content.
    let mut cut = gzip_member(b"1,2,0\n");
    cut.truncate(cut.len() - 4);
    let err = Dataset::load_csv(temp_file("cut.csv.gz", &cut)).unwrap_err();
    assert!(matches!(err, Error::Data { .. }), "{err:?}");
    assert!(
        err.to_string().contains("the gzip data is corrupt"),
        "{err}"
    );
    // A directory opens but cannot be read: the operating system's error, with its kind.
    #[cfg(target_os = "linux")]
    {
        let err = Dataset::load_csv(std::env::temp_dir()).unwrap_err();
        let Error::Io { action, cause, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*action, "read");
        assert_eq!(cause.kind(), std::io::ErrorKind::IsADirectory, "{err}");
    }
}

#[test]
fn endless_and_oversized_inputs_stop_at_the_limits() {
    // One 2 MiB line of `0,0,…`: past the default 1 MiB line limit.
    let line = "0,".repeat(1 << 20) + "0";
    let path = temp_file("long_line.csv", format!("1,0\n{line}\n").as_bytes());
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "long_line.csv:2: the line is longer than the limit of 1048576 bytes \
             (`CsvOptions::max_line_bytes`)"
        ),
        "{err}"
    );
    // The same file loads when the caller raises the limit.
    // With a 4 MiB limit the line is read, and it is then too wide for line 1's 2 columns.
    let wide = CsvOptions::new().max_line_bytes(4 << 20);
    let err = Dataset::load_csv_with(&path, wide).unwrap_err().to_string();
    assert!(
        err.ends_with("long_line.csv:2: expected 2 columns like line 1, found 1048577"),
        "{err}"
    );

    // 20 lines of 4 bytes = 80 bytes; a limit of 50 stops in line 13 (bytes 49..52).
    let path = temp_file("many_lines.csv", "1,0\n".repeat(20).as_bytes());
    let err = Dataset::load_csv_with(&path, CsvOptions::new().max_bytes(50))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with(
            "many_lines.csv:13: the file holds more than the limit of 50 bytes of text \
             (`CsvOptions::max_bytes`)"
        ),
        "{err}"
    );
    assert_eq!(
        Dataset::load_csv_with(&path, CsvOptions::new().max_bytes(80))
            .unwrap()
            .len(),
        20
    );

    // The limit counts decompressed text: a small gzip cannot expand past it.
    #[cfg(feature = "gzip")]
    {
        let gz = temp_file(
            "expands.csv.gz",
            &gzip_member("1,0\n".repeat(1000).as_bytes()),
        );
        let err = Dataset::load_csv_with(&gz, CsvOptions::new().max_bytes(1000))
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than the limit of 1000 bytes"), "{err}");
    }
}

#[cfg(not(feature = "gzip"))]
#[test]
fn a_gzipped_file_without_the_gzip_feature_is_an_error_that_says_so() {
    let err = Dataset::load_csv(data("digits.csv.gz"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot read ")
            && err.contains("digits.csv.gz")
            && err.ends_with("built without its `gzip` feature"),
        "{err}"
    );
    // Recognised by its magic bytes, whatever the name.
    let path = temp_file("gzipped_no_suffix.csv", b"\x1f\x8b\x08\x00");
    let err = Dataset::load_csv(&path).unwrap_err().to_string();
    assert!(err.ends_with("built without its `gzip` feature"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_endless_stream_is_an_error_not_an_abort() {
    let err = Dataset::load_csv("/dev/zero").unwrap_err().to_string();
    assert_eq!(
        err,
        "/dev/zero:1: the line is longer than the limit of 1048576 bytes \
         (`CsvOptions::max_line_bytes`)"
    );
}

#[test]
fn no_public_call_on_a_dataset_panics() {
    // Each feature's whole part is its sample's label.
    let d = Dataset::new(
        Tensor::from_vec(vec![0.0, 1.0, 1.5], &[3, 1]),
        Tensor::from_vec(vec![0.0, 1.0, 1.0], &[3]),
    )
    .unwrap();
    let err = d.select(&[0, 3]).unwrap_err().to_string();
    assert_eq!(err, "dataset: sample index 3 is out of range for 3 samples");
    assert_eq!(d.select(&[]).unwrap().len(), 0);
    let (x, y) = d.clone().into_parts();
    assert_eq!(
        (x.to_vec(), y.to_vec()),
        (vec![0.0, 1.0, 1.5], vec![0.0, 1.0, 1.0])
    );
    // Shuffling keeps each sample's features with its label.
    let s = d.shuffled(5);
    for (x, y) in s.x().to_vec().into_iter().zip(s.y().to_vec()) {
        assert_eq!(x.floor(), y);
    }

    for fraction in [0.0, 1.0, f32::NAN, -0.5, f32::INFINITY] {
        let err = d.stratified_split(fraction, 0).unwrap_err().to_string();
        assert!(
            err.contains("the test fraction must be between 0 and 1"),
            "{err}"
        );
    }
    // Class 0 has one sample: round(1 · 0.4) = 0 puts it in train; class 1: round(2 · 0.4)
    // = 1 of its two samples in test.
    let (train, test) = d.stratified_split(0.4, 0).unwrap();
    assert_eq!((train.len(), test.len()), (2, 1));
    assert_eq!(test.y().to_vec(), vec![1.0]);

    let empty = Dataset::new(Tensor::zeros(&[0, 2]), Tensor::zeros(&[0])).unwrap();
    assert!(empty.shuffled(1).is_empty());
    let err = empty.stratified_split(0.5, 0).unwrap_err().to_string();
    assert!(err.contains("leaves one side empty"), "{err}");
    let one_hot = Dataset::new(Tensor::zeros(&[4, 1]), Tensor::zeros(&[4, 2])).unwrap();
    let err = one_hot.stratified_split(0.5, 0).unwrap_err().to_string();
    assert_eq!(
        err,
        "y: labels of shape [4, 2] are not one class index per sample; \
         expected (samples,) or (samples, 1)"
    );
    assert!(Dataset::new(Tensor::zeros(&[]), Tensor::zeros(&[0])).is_err());
}
