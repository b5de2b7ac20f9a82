use super::Dataset;
use crate::data::CsvOptions;

fn load(name: &str, bytes: &[u8], options: CsvOptions) -> String {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("the file is written");
    let err = Dataset::load_csv_with(&path, options).expect_err("the file is refused");
    let message = err.to_string();
    let prefix = format!("{}: ", path.display());
    message
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the file is named: {message}"))
        .to_string()
}

#[test]
fn a_file_whose_only_line_was_read_as_a_header_says_so() {
    // Semicolons: one cell, not a number, so a header; then nothing is left.
    assert_eq!(
        load("semi.csv", b"1;2;0\n", CsvOptions::new()),
        "the file holds no rows: line 1 (`1;2;0`) was read as a header, as none of its \
         cells is a number (cells are separated by commas); load with \
         `CsvOptions::new().header(false)` to read it as data"
    );
    assert_eq!(
        load("told.csv", b"\na,b,label\n", CsvOptions::new().header(true)),
        "the file holds no rows: line 2 (`a,b,label`) was read as a header"
    );
    assert_eq!(
        load("empty.csv", b"", CsvOptions::new()),
        "the file holds no rows"
    );
}

#[test]
fn a_file_named_gz_that_is_not_gzip_is_told_apart_from_corrupt_gzip() {
    assert_eq!(
        load("plain.csv.gz", b"1,2,0\n", CsvOptions::new()),
        "the name ends in `.gz`, but the file does not start with gzip's magic bytes 1f 8b: \
         it is not gzip data"
    );
    // Empty, it has no rows, as an empty `.csv` file.
    assert_eq!(
        load("empty.csv.gz", b"", CsvOptions::new()),
        "the file holds no rows"
    );
    #[cfg(feature = "gzip")]
    assert_eq!(
        load("cut.csv.gz", &[0x1f, 0x8b, 8, 0], CsvOptions::new()),
        "the gzip data is corrupt: unexpected end of file"
    );
}
