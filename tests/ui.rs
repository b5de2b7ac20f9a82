//! Compile-time behaviour of `#[derive(Layer)]` and `#[activation]`: every supported form
//! compiles (and runs) without warnings (`tests/ui/pass`), and every mistake gives one error
//! that points at the culprit and says what to write (`tests/ui/fail`, one mistake per file,
//! named after it). Regenerate the `.stderr` files with `TRYBUILD=overwrite` and review them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
