use super::*;

/// `err` as anyhow's `{:#}` prints it: each error of the `source()` chain, joined by ": ".
fn as_reported(err: &Error) -> String {
    let chain = std::iter::successors(Some(err as &dyn std::error::Error), |e| e.source());
    chain.map(|e| e.to_string()).collect::<Vec<_>>().join(": ")
}

fn failed_call() -> Error {
    let op = Error::incompatible(
        "matmul",
        &[2, 3],
        &[5, 1],
        "inner dimensions 3 and 5 differ",
    );
    let call = Error::Call {
        input: BatchShape(vec![3]),
        location: Some("src/model.rs:12:9".into()),
        cause: Box::new(op),
    };
    call.in_layer("dense", "Dense").in_layer("block", "Block")
}

#[test]
fn a_reporter_walking_the_sources_prints_each_sentence_once() {
    let missing = std::fs::File::open("no/such/dir/file.csv").unwrap_err();
    let os_message = missing.to_string();
    let io = Error::io("read", "no/such/dir/file.csv", missing);
    assert_eq!(
        as_reported(&io),
        format!("cannot read `no/such/dir/file.csv`: {os_message}")
    );
    let call = failed_call();
    let reported = as_reported(&call);
    assert_eq!(
        reported,
        "layer `block.dense` (Dense): its call failed for input shape (None, 3) at \
         src/model.rs:12:9: `matmul` cannot combine shapes [2, 3] and [5, 1]: inner \
         dimensions 3 and 5 differ"
    );
    for err in [io, call] {
        let reported = as_reported(&err);
        let parts: Vec<&str> = reported.split(": ").collect();
        for (i, part) in parts.iter().enumerate() {
            assert!(!parts[..i].contains(part), "`{part}` twice in {reported}");
        }
    }
}

#[test]
fn the_root_cause_is_inside_every_layer_and_call() {
    let err = failed_call();
    assert!(matches!(
        err.root_cause(),
        Error::IncompatibleShapes { op: "matmul", lhs, .. } if lhs.0 == [2, 3]
    ));
    let plain = Error::Panic {
        message: "boom".into(),
    };
    assert_eq!(plain.root_cause(), &plain);
}

#[test]
fn an_io_error_keeps_the_operating_systems_kind() {
    let err = Error::io(
        "write",
        "out.svg",
        io::Error::new(io::ErrorKind::PermissionDenied, "denied"),
    );
    let Error::Io {
        action,
        path,
        cause,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*action, path.as_path()), ("write", Path::new("out.svg")));
    assert_eq!(cause.kind(), io::ErrorKind::PermissionDenied);
    // Equal to a clone, and to another error of the same kind and message.
    assert_eq!(err.clone(), err);
    let again = Error::io(
        "write",
        "out.svg",
        io::Error::new(io::ErrorKind::PermissionDenied, "denied"),
    );
    assert_eq!(again, err);
    let other = Error::io("write", "out.svg", io::ErrorKind::NotFound.into());
    assert_ne!(other, err);
}
