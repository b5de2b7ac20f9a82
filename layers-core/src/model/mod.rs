//! Models: [`Sequential`], a stack of layers that is itself a layer.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new().add(Dense::new(4)).add(Activation::from_name("relu")?);
//! model.build([3])?;
//! assert_eq!(model.predict(&Tensor::ones(&[2, 3]))?.shape(), &[2, 4]);
//! # Ok::<(), layers_core::Error>(())
//! ```

mod sequential;

pub use sequential::Sequential;
