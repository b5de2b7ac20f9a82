//! The layer-families test binary: convolution, pooling, recurrent and attention layers,
//! each checked by finite differences (`conv`, `pool`, `rnn`, `attention`) and against
//! float64 NumPy tables (`*_reference`, read by `tests/common/table.rs`). One binary links
//! the library once for all of them (`cargo test --test families rnn_reference::`).

#[path = "../common/table.rs"]
mod table;

mod attention;
mod attention_reference;
mod conv;
mod conv_reference;
mod pool;
mod pool_reference;
mod rnn;
mod rnn_reference;
