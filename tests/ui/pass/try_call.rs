#![deny(warnings)]
use layers::prelude::*;

// A layer whose call can fail implements `TryCall` directly (not `Call`): the blanket
// `impl<T: Call> TryCall for T` does not overlap, since this type implements no `Call`.
#[derive(Layer)]
struct Gather {
    rows: usize,
    #[weight(shape = [rows, input[-1]], init = "ones")]
    table: Weight,
}

impl TryCall for Gather {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let first = x.try_narrow(1, 0, 1)?;
        let row = first.item() as usize;
        if row >= self.rows {
            return Err(Error::InvalidArgument {
                op: "gather",
                message: format!("row {row} is not below {}", self.rows),
            });
        }
        x.try_mul(self.table.value().narrow(0, row, 1))
    }
}

// Generic layers work the same way.
#[derive(Layer)]
struct Checked<D: Dim> {
    width: D,
}

impl<D: Dim> TryCall for Checked<D> {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        x.try_reshape(&[x.shape()[0], self.width.size()])
    }
}

pub fn main() -> Result<()> {
    let g = Gather::new(2);
    assert_eq!(g.try_apply(&Tensor::ones(&[1, 3]))?.to_vec(), vec![1.0; 3]);
    let err = g.try_apply(&Tensor::full(&[1, 3], 5.0)).unwrap_err();
    assert!(
        err.to_string().ends_with("`gather`: row 5 is not below 2"),
        "{err}"
    );
    let c = Checked::new(4usize);
    assert_eq!(c.try_apply(&Tensor::ones(&[2, 2, 2]))?.shape(), &[2, 4]);
    assert!(c.try_apply(&Tensor::ones(&[2, 3])).is_err());
    Ok(())
}
