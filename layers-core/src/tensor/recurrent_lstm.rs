//! The fused LSTM sequence: one recorded op runs a built-in LSTM cell over a whole
//! sequence, instead of ~15 recorded ops per time step.
//!
//! The input part of every step, `x·kernel` for all steps at once, is computed outside (one
//! matrix product); this op takes it `(batch, time, 4·units)` together with the recurrent
//! kernel, the bias and optional initial states. The forward pass runs one GEMM per step
//! (`h·recurrent_kernel` into a reused buffer) and the gate math in one pass over each row,
//! keeping the activated gates, the states before each step and `tanh(c)` for backward.
//! Backward runs back through time with one fused elementwise pass and one GEMM
//! (`dgates·recurrent_kernelᵀ`) per step, and the recurrent kernel's gradient as one GEMM
//! over all steps at the end. Results match the per-step graph of
//! [`LstmCell`](crate::builtin::LstmCell) (checked in its tests).

use ndarray::{ArrayD, IxDyn};

use super::gemm::{gemm, prefetch, vectorized, vectorized_wide_fma};
use super::op::Op;
use super::packed::Packed;
use super::recurrent::{
    Dims, add_into, check_shape, cut, cut_ref, part_rows, parts, send_if_wanted, sigmoid, slice,
    sum_samples, tanh, time_of, values, vec_array, view2,
};
use super::{Tensor, buffers};
use crate::error::{Error, Result};
/// What the backward pass of a fused LSTM sequence needs: its inputs, its geometry and the
/// values kept from the forward pass.
pub(crate) struct LstmRecord {
    /// The input part of every step, `(batch, time, 4·units)`.
    xw: Tensor,
    /// The recurrent kernel, `(units, 4·units)`.
    kernel: Tensor,
    bias: Option<Tensor>,
    h0: Option<Tensor>,
    c0: Option<Tensor>,
    dims: Dims,
    go_backwards: bool,
    return_sequences: bool,
    saved: Saved,
}

/// Values of the forward pass, all indexed `(batch, time index, …)` like `xw`.
struct Saved {
    /// The state `h` each step started from, `(batch, time, units)`.
    h_prev: Vec<f32>,
    /// The cell state `c` each step started from, `(batch, time, units)`.
    c_prev: Vec<f32>,
    /// `tanh(c)` after each step, `(batch, time, units)`.
    tanh_c: Vec<f32>,
    /// The activated gates `i, f, g, o` of each step, `(batch, time, 4·units)`.
    gates: Vec<f32>,
}

impl Drop for Saved {
    fn drop(&mut self) {
        for values in [
            &mut self.h_prev,
            &mut self.c_prev,
            &mut self.tanh_c,
            &mut self.gates,
        ] {
            buffers::recycle(std::mem::take(values));
        }
    }
}

impl LstmRecord {
    pub(crate) fn inputs(&self) -> Vec<&Tensor> {
        let mut inputs = vec![&self.xw, &self.kernel];
        inputs.extend(self.bias.iter());
        inputs.extend(self.h0.iter());
        inputs.extend(self.c0.iter());
        inputs
    }
}

impl Tensor {
    /// Runs an LSTM cell (Keras's formulas, `sigmoid` gates, `tanh` candidate and output)
    /// over a whole sequence as one recorded op. `self` is the input part of every step,
    /// `x·kernel`, `(batch, time, 4·units)`; `kernel` the recurrent kernel
    /// `(units, 4·units)`; `bias` `(4·units,)`; `h0`, `c0` the initial states
    /// `(batch, units)` (zeros when absent). Returns every step's `h`,
    /// `(batch, time, units)` in the order the steps ran, with `return_sequences`, else the
    /// last `(batch, units)`.
    pub(crate) fn try_lstm_sequence(
        &self,
        kernel: &Tensor,
        bias: Option<&Tensor>,
        initial: Option<(&Tensor, &Tensor)>,
        go_backwards: bool,
        return_sequences: bool,
    ) -> Result<Tensor> {
        let &[batch, time, width] = self.shape() else {
            return Err(Error::mismatch(
                "lstm_sequence",
                "an input of shape (batch, time, 4·units)",
                self.shape(),
            ));
        };
        let units = width / 4;
        if time == 0 || width % 4 != 0 {
            return Err(Error::mismatch(
                "lstm_sequence",
                "at least one step of 4·units features",
                self.shape(),
            ));
        }
        check_shape(
            "lstm_sequence",
            "a recurrent kernel",
            kernel.shape(),
            &[units, width],
        )?;
        if let Some(b) = bias {
            check_shape("lstm_sequence", "a bias", b.shape(), &[width])?;
        }
        if let Some((h0, c0)) = initial {
            check_shape("lstm_sequence", "an initial h", h0.shape(), &[batch, units])?;
            check_shape("lstm_sequence", "an initial c", c0.shape(), &[batch, units])?;
        }
        let dims = Dims { batch, time, units };
        let xw = values(self);
        let u = values(kernel);
        let b = bias.map(values);
        let init = initial.map(|(h, c)| (values(h), values(c)));
        let (saved, y) = lstm_forward(
            dims,
            slice(&xw),
            slice(&u),
            b.as_ref().map(slice),
            init.as_ref().map(|(h, c)| (slice(h), slice(c))),
            go_backwards,
            return_sequences,
            parts(dims),
        );
        let shape: Vec<usize> = if return_sequences {
            vec![batch, time, units]
        } else {
            vec![batch, units]
        };
        let out = ArrayD::from_shape_vec(IxDyn(&shape), y).expect("the kernel fills the shape");
        let mut inputs = vec![self, kernel];
        inputs.extend(bias);
        if let Some((h0, c0)) = initial {
            inputs.extend([h0, c0]);
        }
        Ok(Tensor::from_op(
            out,
            || {
                Op::LstmSequence(Box::new(LstmRecord {
                    xw: self.clone(),
                    kernel: kernel.clone(),
                    bias: bias.cloned(),
                    h0: initial.map(|(h, _)| h.clone()),
                    c0: initial.map(|(_, c)| c.clone()),
                    dims,
                    go_backwards,
                    return_sequences,
                    saved,
                }))
            },
            &inputs,
        ))
    }
}

/// One part of the batch in the forward pass: its rows of every buffer.
struct Forward<'a> {
    rows: usize,
    xw: &'a [f32],
    h_prev: &'a mut [f32],
    c_prev: &'a mut [f32],
    tanh_c: &'a mut [f32],
    gates: &'a mut [f32],
    /// The initial states, replaced by the final ones.
    h: &'a mut [f32],
    c: &'a mut [f32],
    /// Every step's `h` in run order, when `return_sequences` (else empty).
    y: &'a mut [f32],
}

/// The forward pass: the saved values and the output (`(batch, time, units)` in run order,
/// or the last `h`), the batch cut into `parts` parts run in parallel.
#[allow(clippy::too_many_arguments)]
fn lstm_forward(
    dims: Dims,
    xw: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    initial: Option<(&[f32], &[f32])>,
    go_backwards: bool,
    return_sequences: bool,
    parts: usize,
) -> (Saved, Vec<f32>) {
    let Dims { batch, time, units } = dims;
    let width = 4 * units;
    let mut saved = Saved {
        // Every step writes its rows of each.
        h_prev: buffers::take_any(batch * time * units),
        c_prev: buffers::take_any(batch * time * units),
        tanh_c: buffers::take_any(batch * time * units),
        gates: buffers::take_any(batch * time * width),
    };
    let (mut h, mut c) = match initial {
        Some((h, c)) => (h.to_vec(), c.to_vec()),
        None => (vec![0.0; batch * units], vec![0.0; batch * units]),
    };
    let mut y = vec![
        0.0f32;
        if return_sequences {
            batch * time * units
        } else {
            0
        }
    ];
    let zero_bias = vec![0.0f32; width];
    let bias = bias.unwrap_or(&zero_bias);
    let rows = part_rows(batch, parts);
    let y_per_row = if return_sequences { time * units } else { 0 };
    let mut work: Vec<Forward<'_>> = cut_ref(xw, &rows, time * width)
        .into_iter()
        .zip(cut(&mut saved.h_prev, &rows, time * units))
        .zip(cut(&mut saved.c_prev, &rows, time * units))
        .zip(cut(&mut saved.tanh_c, &rows, time * units))
        .zip(cut(&mut saved.gates, &rows, time * width))
        .zip(cut(&mut h, &rows, units))
        .zip(cut(&mut c, &rows, units))
        .zip(cut(&mut y, &rows, y_per_row))
        .zip(&rows)
        .map(
            |((((((((xw, h_prev), c_prev), tanh_c), gates), h), c), y), &rows)| Forward {
                rows,
                xw,
                h_prev,
                c_prev,
                tanh_c,
                gates,
                h,
                c,
                y,
            },
        )
        .collect();
    // The kernel packed once for the whole sequence, shared by the parts.
    let packed = Packed::new(view2(kernel, units, width, width));
    let run = |part: &mut Forward<'_>| {
        forward_part(part, dims, &packed, bias, go_backwards, return_sequences);
    };
    if work.len() > 1 {
        use rayon::prelude::*;
        work.par_iter_mut().for_each(run);
    } else {
        work.iter_mut().for_each(run);
    }
    drop(work);
    (saved, if return_sequences { y } else { h })
}

/// The whole sequence for one part of the batch. The state entering each step is kept in
/// `h_prev`/`c_prev` (backward needs it), so a step reads its state from there and writes
/// the next step's there: the running state is never copied, only the initial state once.
// Indexing several rows of one length in lockstep reads clearer than a many-way zip;
// the bounds checks are hoisted (the loops vectorise).
#[allow(clippy::needless_range_loop)]
fn forward_part(
    part: &mut Forward<'_>,
    dims: Dims,
    kernel: &Packed,
    bias: &[f32],
    go_backwards: bool,
    return_sequences: bool,
) {
    if part.rows == 0 {
        // A batch of no rows: nothing to run (the products would index empty rows).
        return;
    }
    let Dims { time, units, .. } = dims;
    let (batch, width) = (part.rows, 4 * units);
    let first = time_of(0, time, go_backwards);
    for b in 0..batch {
        let row = (b * time + first) * units;
        part.h_prev[row..row + units].copy_from_slice(&part.h[b * units..(b + 1) * units]);
        part.c_prev[row..row + units].copy_from_slice(&part.c[b * units..(b + 1) * units]);
    }
    let mut z = vec![0.0f32; batch * width];
    for s in 0..time {
        let t = time_of(s, time, go_backwards);
        let next = (s + 1 < time).then(|| time_of(s + 1, time, go_backwards));
        kernel.product(
            &part.h_prev[t * units..],
            time * units,
            batch,
            &mut z,
            width,
        );
        // The gate math of every row, compiled for AVX-512 or AVX2 + FMA where the CPU has
        // them (the same operations on every lane: the same bits either way).
        vectorized_wide_fma(
            #[inline(always)]
            |fma| {
                for b in 0..batch {
                    let row = (b * time + t) * units;
                    let grow = (b * time + t) * width;
                    let gates = &mut part.gates[grow..grow + width];
                    let pre = &part.xw[grow..grow + width];
                    let zr = &z[b * width..(b + 1) * width];
                    for (((gate, &p), &r), &bj) in gates.iter_mut().zip(pre).zip(zr).zip(bias) {
                        *gate = p + r + bj;
                    }
                    // Blocks i, f, o through the sigmoid, g through tanh; each loop vectorises.
                    for gate in &mut gates[..2 * units] {
                        *gate = sigmoid(*gate, fma);
                    }
                    for gate in &mut gates[2 * units..3 * units] {
                        *gate = tanh(*gate, fma);
                    }
                    for gate in &mut gates[3 * units..] {
                        *gate = sigmoid(*gate, fma);
                    }
                    let (i, rest) = gates.split_at(units);
                    let (f, rest) = rest.split_at(units);
                    let (g, o) = rest.split_at(units);
                    let tc = &mut part.tanh_c[row..row + units];
                    // The new state goes where the next step reads it, or to the final state.
                    let (c_in, c_out) = match next {
                        Some(n) => read_write(part.c_prev, row, (b * time + n) * units, units),
                        None => (
                            &part.c_prev[row..row + units],
                            &mut part.c[b * units..(b + 1) * units],
                        ),
                    };
                    let h_out = match next {
                        Some(n) => {
                            let at = (b * time + n) * units;
                            &mut part.h_prev[at..at + units]
                        }
                        None => &mut part.h[b * units..(b + 1) * units],
                    };
                    // Every row cut to `units` values, so that the loop has no bounds checks
                    // and vectorises.
                    let (i, f, g, o) = (&i[..units], &f[..units], &g[..units], &o[..units]);
                    let (c_in, c_out) = (&c_in[..units], &mut c_out[..units]);
                    let h_out = &mut h_out[..units];
                    let tc = &mut tc[..units];
                    for j in 0..units {
                        let cn = f[j] * c_in[j] + i[j] * g[j];
                        c_out[j] = cn;
                        tc[j] = tanh(cn, fma);
                        h_out[j] = o[j] * tc[j];
                    }
                    if return_sequences {
                        let out = (b * time + s) * units;
                        part.y[out..out + units].copy_from_slice(h_out);
                    }
                }
            },
        );
    }
}

/// `buf[read..read + len]` to read and `buf[write..write + len]` to write, two rows of one
/// buffer that do not overlap.
fn read_write(buf: &mut [f32], read: usize, write: usize, len: usize) -> (&[f32], &mut [f32]) {
    if read < write {
        let (lo, hi) = buf.split_at_mut(write);
        (&lo[read..read + len], &mut hi[..len])
    } else {
        let (lo, hi) = buf.split_at_mut(read);
        (&hi[..len], &mut lo[write..write + len])
    }
}

/// One part of the batch in the backward pass.
struct Backward<'a> {
    rows: usize,
    /// The output's gradient for these rows.
    gy: &'a [f32],
    gates: &'a [f32],
    tanh_c: &'a [f32],
    c_prev: &'a [f32],
    /// The running gradients of `h` and `c`, ending as those of the initial states.
    dh: &'a mut [f32],
    dc: &'a mut [f32],
    /// The pre-activations' gradients, `(rows, time, 4·units)`.
    dz: &'a mut [f32],
    /// Each sample's sum of its `dz` rows over the steps, `(rows, 4·units)`, when the bias
    /// wants its gradient (else empty).
    db: &'a mut [f32],
}

/// Sends each input of a fused LSTM sequence its gradient, given the output's.
pub(crate) fn lstm_backward(
    record: &LstmRecord,
    grad: ArrayD<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
) {
    lstm_backward_in(record, grad, send, parts(record.dims));
}

fn lstm_backward_in(
    record: &LstmRecord,
    grad: ArrayD<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
    parts: usize,
) {
    let Dims { batch, time, units } = record.dims;
    let width = 4 * units;
    let grad = if grad.is_standard_layout() {
        grad
    } else {
        grad.as_standard_layout().into_owned()
    };
    let gy = grad.as_slice().expect("standard layout");
    let kernel = values(&record.kernel);
    let kernel = slice(&kernel);
    let saved = &record.saved;
    let mut dh = vec![0.0f32; batch * units];
    let mut dc = vec![0.0f32; batch * units];
    // Every step writes its rows.
    let mut dz = buffers::take_any(batch * time * width);
    let want_h0 = record.h0.as_ref().is_some_and(Tensor::requires_grad);
    let want_bias = record.bias.as_ref().is_some_and(Tensor::requires_grad);
    let db_per_row = if want_bias { width } else { 0 };
    let mut db = vec![0.0f32; batch * db_per_row];
    let rows = part_rows(batch, parts);
    let gy_per_row = if record.return_sequences {
        time * units
    } else {
        units
    };
    let mut work: Vec<Backward<'_>> = cut_ref(gy, &rows, gy_per_row)
        .into_iter()
        .zip(cut_ref(&saved.gates, &rows, time * width))
        .zip(cut_ref(&saved.tanh_c, &rows, time * units))
        .zip(cut_ref(&saved.c_prev, &rows, time * units))
        .zip(cut(&mut dh, &rows, units))
        .zip(cut(&mut dc, &rows, units))
        .zip(cut(&mut dz, &rows, time * width))
        .zip(cut(&mut db, &rows, db_per_row))
        .zip(&rows)
        .map(
            |((((((((gy, gates), tanh_c), c_prev), dh), dc), dz), db), &rows)| Backward {
                rows,
                gy,
                gates,
                tanh_c,
                c_prev,
                dh,
                dc,
                dz,
                db,
            },
        )
        .collect();
    // The kernel's transpose packed once for the whole sequence.
    let packed_t = Packed::new(view2(kernel, units, width, width).t());
    let run = |part: &mut Backward<'_>| {
        backward_part(part, record, &packed_t, want_h0);
    };
    if work.len() > 1 {
        use rayon::prelude::*;
        work.par_iter_mut().for_each(run);
    } else {
        work.iter_mut().for_each(run);
    }
    drop(work);
    if record.kernel.requires_grad() {
        // Σ_t h_prevᵀ · dz_t, as one product over all (batch, time) rows.
        let mut dk = buffers::zeros(&[units, width]);
        let hp = view2(&saved.h_prev, batch * time, units, units);
        gemm(
            dk.view_mut()
                .into_dimensionality()
                .expect("the kernel is 2-D"),
            hp.t(),
            view2(&dz, batch * time, width, width),
            false,
        );
        send(&record.kernel, dk);
    }
    if let Some(bias) = &record.bias
        && want_bias
    {
        // Each sample's sum over its steps (added as the steps ran, while each row of `dz`
        // was in the cache: a separate pass over `dz` took about 75 µs of W7's 4 ms
        // batch), then the samples' sums in sample order: the same bits whatever the
        // number of parts (threads).
        send(bias, vec_array(&[width], sum_samples(&db, width)));
    }
    send_if_wanted(record.h0.as_ref(), &[batch, units], dh, send);
    send_if_wanted(record.c0.as_ref(), &[batch, units], dc, send);
    send_if_wanted(Some(&record.xw), &[batch, time, width], dz, send);
    buffers::recycle_array(grad);
}

/// Back through the whole sequence for one part of the batch.
// Indexing several rows of one length in lockstep reads clearer than a many-way zip;
// the bounds checks are hoisted (the loops vectorise).
#[allow(clippy::needless_range_loop)]
fn backward_part(part: &mut Backward<'_>, record: &LstmRecord, kernel_t: &Packed, want_h0: bool) {
    if part.rows == 0 {
        // A batch of no rows sends empty gradients.
        return;
    }
    let Dims { time, units, .. } = record.dims;
    let (batch, width) = (part.rows, 4 * units);
    if !record.return_sequences {
        part.dh.copy_from_slice(part.gy);
    }
    for s in (0..time).rev() {
        let t = time_of(s, time, record.go_backwards);
        // The rows of the step after this one (run before it), fetched into the cache while
        // this step runs: backward walks the saved values from the last step to the first,
        // down through memory, which the CPU's own prefetchers follow less well (W7's
        // backward steps 1.05 → 0.95 ms).
        let earlier = (s > 0).then(|| time_of(s - 1, time, record.go_backwards));
        vectorized(
            #[inline(always)]
            || {
                for b in 0..batch {
                    if let Some(e) = earlier {
                        let at = (b * time + e) * width;
                        prefetch(&part.gates[at..at + width]);
                        prefetch(&part.dz[at..at + width]);
                        let at = (b * time + e) * units;
                        prefetch(&part.tanh_c[at..at + units]);
                        prefetch(&part.c_prev[at..at + units]);
                    }
                    let dh_row = &mut part.dh[b * units..(b + 1) * units];
                    if record.return_sequences {
                        let at = (b * time + s) * units;
                        for (d, g) in dh_row.iter_mut().zip(&part.gy[at..at + units]) {
                            *d += g;
                        }
                    }
                    let row = (b * time + t) * units;
                    let grow = (b * time + t) * width;
                    let gates = &part.gates[grow..grow + width];
                    let (i, rest) = gates.split_at(units);
                    let (f, rest) = rest.split_at(units);
                    let (g, o) = rest.split_at(units);
                    let tc = &part.tanh_c[row..row + units];
                    let cp = &part.c_prev[row..row + units];
                    let dc_row = &mut part.dc[b * units..(b + 1) * units];
                    let (dzi, rest) = part.dz[grow..grow + width].split_at_mut(units);
                    let (dzf, rest) = rest.split_at_mut(units);
                    let (dzg, dzo) = rest.split_at_mut(units);
                    for j in 0..units {
                        let dhj = dh_row[j];
                        let dct = dc_row[j] + dhj * o[j] * (1.0 - tc[j] * tc[j]);
                        dzo[j] = dhj * tc[j] * o[j] * (1.0 - o[j]);
                        dzi[j] = dct * g[j] * i[j] * (1.0 - i[j]);
                        dzg[j] = dct * i[j] * (1.0 - g[j] * g[j]);
                        dzf[j] = dct * cp[j] * f[j] * (1.0 - f[j]);
                        dc_row[j] = dct * f[j];
                    }
                    if !part.db.is_empty() {
                        let sums = &mut part.db[b * width..(b + 1) * width];
                        add_into(sums, &part.dz[grow..grow + width]);
                    }
                }
            },
        );
        if s > 0 || want_h0 {
            // dh_prev = dz_t · kernelᵀ, dz_t the rows (b, t) of dz.
            kernel_t.product(&part.dz[t * width..], time * width, batch, part.dh, units);
        }
    }
}

#[cfg(test)]
mod tests;
