#![deny(warnings)]
use layers::prelude::*;

/// Checked by an inherent method, with a weight that must not be built when the check fails.
#[derive(Layer)]
#[layer(validate = Self::validate_config)]
struct Proj {
    units: usize,
    #[weight(shape = [input[-1], units])]
    w: Weight,
}

impl Proj {
    fn validate_config(&self) -> layers::Result<()> {
        if self.units > 8 {
            return Err(Error::InvalidConfig {
                field: "units".into(),
                message: format!("must be at most 8, got {}", self.units),
            });
        }
        Ok(())
    }
}

impl Call for Proj {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w)
    }
}

/// A generic layer checked by a free function, in a sequential model of its own.
#[derive(Layer)]
#[layer(sequential, validate = check_pair::<U>)]
struct Pair<U: Dim> {
    #[layer]
    first: Dense<U>,
    #[layer]
    second: Dense<U>,
}

fn check_pair<U: Dim>(pair: &Pair<U>) -> layers::Result<()> {
    if pair.first.units.size() != pair.second.units.size() {
        return Err(Error::InvalidConfig {
            field: "second".into(),
            message: "must have as many units as `first`".into(),
        });
    }
    Ok(())
}

pub fn main() {
    let mut ok = Proj::new(4);
    assert_eq!(ok.build([3]).unwrap(), vec![4]);
    let mut bad = Proj::new(9);
    let err = bad.build([3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `proj` (Proj): `units` must be at most 8, got 9"
    );
    assert!(!bad.w.is_built());

    let mut pair = Pair::new(Dense::new(2), Dense::new(2));
    assert_eq!(pair.build([3]).unwrap(), vec![2]);
    let mut uneven = Pair::new(Dense::new(2), Dense::new(3));
    assert!(uneven.build([3]).is_err());
}
