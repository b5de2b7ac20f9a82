use super::Dataset;
use crate::data::CsvOptions;

fn load(name: &str, bytes: &[u8], options: CsvOptions) -> String {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("the file is written");
    let err = Dataset::load_csv_with(&path, options).expect_err("the file is refused");
    let message = err.to_string();
    // `file: message`, or `file:line: message`.
    message
        .strip_prefix(&path.display().to_string())
        .and_then(|rest| rest.strip_prefix(':'))
        .map(str::trim_start)
        .unwrap_or_else(|| panic!("the file is named: {message}"))
        .to_string()
}

#[test]
fn a_line_of_one_cell_is_never_skipped_as_a_header() {
    // Semicolons: one cell, not a number; it was skipped as a header, and the file then
    // said it held no rows.
    assert_eq!(
        load("semi.csv", b"1;2;0\n", CsvOptions::new()),
        "1: a row needs at least one feature and a label, found 1 column (cells are \
         separated by commas; this line has `;` instead)"
    );
    assert_eq!(
        load("tabs.csv", b"x\ty\n1\t0\n", CsvOptions::new()),
        "1: a row needs at least one feature and a label, found 1 column (cells are \
         separated by commas; this line has `\\t` instead)"
    );
    // A header of two or more cells is still skipped, and a file of only one has no rows.
    assert_eq!(
        load("header.csv", b"x,y\n", CsvOptions::new()),
        "the file holds no rows"
    );
}

#[test]
fn a_file_named_gz_that_is_not_gzip_says_what_it_lacks() {
    assert_eq!(
        load("plain.csv.gz", b"1,2,0\n", CsvOptions::new()),
        "the gzip data is corrupt: the file does not start with gzip's magic bytes 1f 8b, \
         though its name ends in `.gz`"
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
