//! The fused GRU sequence (Keras 3's `reset_after = True` form, `sigmoid` gates, `tanh`
//! candidate): one recorded op over the whole sequence, as `recurrent_lstm` does for the LSTM,
//! with its helpers.
//!
//! Per step, with `hu = h·recurrent_kernel + bias[1]` (one GEMM) and
//! `xz = x·kernel + bias[0]` (computed outside, without the bias, for every step at once):
//! `z = σ(xz_z + hu_z)`, `r = σ(xz_r + hu_r)`, `n = tanh(xz_n + r ⊙ hu_n)`,
//! `h' = z ⊙ h + (1 − z) ⊙ n`. Backward keeps two gradients per step: that of `xz`
//! (sent to the input part) and that of `hu` (whose product with the recurrent kernel's
//! transpose continues the recurrence, and whose product with the states gives the kernel's
//! gradient in one GEMM over all steps).

use ndarray::ArrayD;

use super::Tensor;
use super::buffers;
use super::gemm::{gemm, prefetch, vectorized, vectorized_wide_fma};
use super::op::Op;
use super::packed::Packed;
use super::recurrent::{
    Dims, add_into, check_shape, cut, cut_ref, part_rows, parts, send_if_wanted, sigmoid, slice,
    sum_samples, tanh, time_of, values, vec_array, view2,
};
use crate::error::{Error, Result};

const OP: &str = "gru_sequence";

/// What the backward pass of a fused GRU sequence needs.
pub(crate) struct GruRecord {
    /// The input part of every step without bias, `(batch, time, 3·units)`.
    xw: Tensor,
    /// The recurrent kernel, `(units, 3·units)`.
    kernel: Tensor,
    /// The `(2, 3·units)` input and recurrent biases.
    bias: Option<Tensor>,
    h0: Option<Tensor>,
    dims: Dims,
    go_backwards: bool,
    return_sequences: bool,
    /// The state each step started from, `(batch, time, units)`.
    h_prev: Vec<f32>,
    /// `z, r, n` of each step, `(batch, time, 3·units)`.
    gates: Vec<f32>,
    /// `hu_n` of each step (the recurrent part of the candidate), `(batch, time, units)`.
    hu_n: Vec<f32>,
}

impl Drop for GruRecord {
    fn drop(&mut self) {
        for values in [&mut self.h_prev, &mut self.gates, &mut self.hu_n] {
            buffers::recycle(std::mem::take(values));
        }
    }
}

impl GruRecord {
    pub(crate) fn inputs(&self) -> Vec<&Tensor> {
        let mut inputs = vec![&self.xw, &self.kernel];
        inputs.extend(self.bias.iter());
        inputs.extend(self.h0.iter());
        inputs
    }
}

impl Tensor {
    /// Runs a GRU cell over a whole sequence as one recorded op. `self` is `x·kernel` for
    /// every step, `(batch, time, 3·units)`, without bias; `kernel` the recurrent kernel
    /// `(units, 3·units)`; `bias` `(2, 3·units)` (input row, recurrent row); `h0` the
    /// initial state `(batch, units)` (zeros when absent). Returns every step's `h` in run
    /// order with `return_sequences`, else the last.
    pub(crate) fn try_gru_sequence(
        &self,
        kernel: &Tensor,
        bias: Option<&Tensor>,
        h0: Option<&Tensor>,
        go_backwards: bool,
        return_sequences: bool,
    ) -> Result<Tensor> {
        let &[batch, time, width] = self.shape() else {
            return Err(Error::mismatch(
                OP,
                "an input of shape (batch, time, 3·units)",
                self.shape(),
            ));
        };
        let units = width / 3;
        if time == 0 || width % 3 != 0 {
            return Err(Error::mismatch(
                OP,
                "at least one step of 3·units features",
                self.shape(),
            ));
        }
        check_shape(OP, "a recurrent kernel", kernel.shape(), &[units, width])?;
        if let Some(b) = bias {
            check_shape(OP, "a bias", b.shape(), &[2, width])?;
        }
        if let Some(h) = h0 {
            check_shape(OP, "an initial h", h.shape(), &[batch, units])?;
        }
        let dims = Dims { batch, time, units };
        let (xw, k) = (values(self), values(kernel));
        let b = bias.map(values);
        let h = h0.map(values);
        let mut record = GruRecord {
            xw: self.clone(),
            kernel: kernel.clone(),
            bias: bias.cloned(),
            h0: h0.cloned(),
            dims,
            go_backwards,
            return_sequences,
            // Every step writes its rows of each.
            h_prev: buffers::take_any(batch * time * units),
            gates: buffers::take_any(batch * time * width),
            hu_n: buffers::take_any(batch * time * units),
        };
        let y = gru_forward(
            &mut record,
            slice(&xw),
            slice(&k),
            b.as_ref().map(slice),
            h.as_ref().map(slice),
            parts(dims),
        );
        let shape: Vec<usize> = if return_sequences {
            vec![batch, time, units]
        } else {
            vec![batch, units]
        };
        let mut inputs = vec![self, kernel];
        inputs.extend(bias);
        inputs.extend(h0);
        Ok(Tensor::from_op(
            vec_array(&shape, y),
            || Op::GruSequence(Box::new(record)),
            &inputs,
        ))
    }
}

/// One part of the batch in the forward pass.
struct Forward<'a> {
    rows: usize,
    xw: &'a [f32],
    h_prev: &'a mut [f32],
    gates: &'a mut [f32],
    hu_n: &'a mut [f32],
    h: &'a mut [f32],
    y: &'a mut [f32],
}

/// The forward pass, filling the record's saved values; returns the output.
fn gru_forward(
    record: &mut GruRecord,
    xw: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    h0: Option<&[f32]>,
    parts: usize,
) -> Vec<f32> {
    let Dims { batch, time, units } = record.dims;
    let width = 3 * units;
    let mut h = h0.map_or_else(|| vec![0.0; batch * units], <[f32]>::to_vec);
    let sequences = record.return_sequences;
    let mut y = vec![0.0f32; if sequences { batch * time * units } else { 0 }];
    let zeros = vec![0.0f32; 2 * width];
    let bias = bias.unwrap_or(&zeros);
    let rows = part_rows(batch, parts);
    let mut work: Vec<Forward<'_>> = cut_ref(xw, &rows, time * width)
        .into_iter()
        .zip(cut(&mut record.h_prev, &rows, time * units))
        .zip(cut(&mut record.gates, &rows, time * width))
        .zip(cut(&mut record.hu_n, &rows, time * units))
        .zip(cut(&mut h, &rows, units))
        .zip(cut(&mut y, &rows, if sequences { time * units } else { 0 }))
        .zip(&rows)
        .map(|((((((xw, h_prev), gates), hu_n), h), y), &rows)| Forward {
            rows,
            xw,
            h_prev,
            gates,
            hu_n,
            h,
            y,
        })
        .collect();
    let (dims, backwards) = (record.dims, record.go_backwards);
    // The kernel packed once for the whole sequence, shared by the parts.
    let units = dims.units;
    let packed = Packed::new(view2(kernel, units, 3 * units, 3 * units));
    let run =
        |part: &mut Forward<'_>| forward_part(part, dims, &packed, bias, backwards, sequences);
    if work.len() > 1 {
        use rayon::prelude::*;
        work.par_iter_mut().for_each(run);
    } else {
        work.iter_mut().for_each(run);
    }
    drop(work);
    if sequences { y } else { h }
}

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
    let (batch, width) = (part.rows, 3 * units);
    let (b0, b1) = bias.split_at(width);
    let mut hu = vec![0.0f32; batch * width];
    for s in 0..time {
        let t = time_of(s, time, go_backwards);
        kernel.product(part.h, units, batch, &mut hu, width);
        // The gate math of every row, compiled for AVX-512 or AVX2 + FMA where the CPU has
        // them (the same operations on every lane: the same bits either way).
        vectorized_wide_fma(
            #[inline(always)]
            |fma| {
                for b in 0..batch {
                    let row = (b * time + t) * units;
                    let grow = (b * time + t) * width;
                    let h_row = &mut part.h[b * units..(b + 1) * units];
                    part.h_prev[row..row + units].copy_from_slice(h_row);
                    let gates = &mut part.gates[grow..grow + width];
                    let xw = &part.xw[grow..grow + width];
                    let hur = &hu[b * width..(b + 1) * width];
                    // The update and reset gates (zipped rows: the loop vectorises).
                    let zr = 2 * units;
                    let pre = xw[..zr]
                        .iter()
                        .zip(&b0[..zr])
                        .zip(&hur[..zr])
                        .zip(&b1[..zr]);
                    for (gate, (((&x, &bx), &h), &bh)) in gates[..zr].iter_mut().zip(pre) {
                        *gate = sigmoid(x + bx + h + bh, fma);
                    }
                    let (zr, n) = gates.split_at_mut(2 * units);
                    let (z, r) = zr.split_at(units);
                    let hn = &mut part.hu_n[row..row + units];
                    let candidate = Candidate {
                        z,
                        r,
                        xw: &xw[2 * units..],
                        b0: &b0[2 * units..],
                        hu: &hur[2 * units..],
                        b1: &b1[2 * units..],
                    };
                    candidate.run(hn, n, h_row, fma);
                    if return_sequences {
                        let out = (b * time + s) * units;
                        part.y[out..out + units].copy_from_slice(h_row);
                    }
                }
            },
        );
    }
}

/// The rows one GRU step's candidate and new state read: the update and reset gates, and
/// the candidate's blocks of the input part, the input bias, the recurrent part and the
/// recurrent bias.
struct Candidate<'a> {
    z: &'a [f32],
    r: &'a [f32],
    xw: &'a [f32],
    b0: &'a [f32],
    hu: &'a [f32],
    b1: &'a [f32],
}

impl Candidate<'_> {
    /// `hn = hu + b1`, `n = tanh(xw + b0 + r·hn)`, `h = z·h + (1 − z)·n` over the `units`
    /// values of `h`. The rows it writes are arguments of their own, and every row is cut to
    /// `units` values first: with the rows it writes and reads in one closure, the loop had
    /// too many possible overlaps to check and ran one lane at a time.
    #[inline(always)]
    fn run(self, hn: &mut [f32], n: &mut [f32], h: &mut [f32], fma: bool) {
        let units = h.len();
        let (hn, n) = (&mut hn[..units], &mut n[..units]);
        let (z, r) = (&self.z[..units], &self.r[..units]);
        let (xw, b0) = (&self.xw[..units], &self.b0[..units]);
        let (hu, b1) = (&self.hu[..units], &self.b1[..units]);
        for j in 0..units {
            let hnj = hu[j] + b1[j];
            let nj = tanh(xw[j] + b0[j] + r[j] * hnj, fma);
            hn[j] = hnj;
            n[j] = nj;
            h[j] = z[j] * h[j] + (1.0 - z[j]) * nj;
        }
    }
}

/// One part of the batch in the backward pass.
struct Backward<'a> {
    rows: usize,
    gy: &'a [f32],
    h_prev: &'a [f32],
    gates: &'a [f32],
    hu_n: &'a [f32],
    dh: &'a mut [f32],
    /// The gradients of the input part and of the recurrent part, `(rows, time, 3·units)`.
    dxw: &'a mut [f32],
    dhu: &'a mut [f32],
    /// Each sample's sums over its steps of its `dxw` and `dhu` rows side by side,
    /// `(rows, 2·3·units)`, when the bias wants its gradient (else empty).
    db: &'a mut [f32],
}

/// Sends each input of a fused GRU sequence its gradient, given the output's.
pub(crate) fn gru_backward(
    record: &GruRecord,
    grad: ArrayD<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
) {
    gru_backward_in(record, grad, send, parts(record.dims));
}

pub(super) fn gru_backward_in(
    record: &GruRecord,
    grad: ArrayD<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
    parts: usize,
) {
    let Dims { batch, time, units } = record.dims;
    let width = 3 * units;
    let grad = grad.as_standard_layout().into_owned();
    let gy = grad.as_slice().expect("standard layout");
    let kernel = values(&record.kernel);
    let kernel = slice(&kernel);
    let mut dh = vec![0.0f32; batch * units];
    // Every step writes its rows of each.
    let mut dxw = buffers::take_any(batch * time * width);
    let mut dhu = buffers::take_any(batch * time * width);
    let want_h0 = record.h0.as_ref().is_some_and(Tensor::requires_grad);
    let want_bias = record.bias.as_ref().is_some_and(Tensor::requires_grad);
    let db_per_row = if want_bias { 2 * width } else { 0 };
    let mut db = vec![0.0f32; batch * db_per_row];
    let rows = part_rows(batch, parts);
    let gy_per_row = if record.return_sequences {
        time * units
    } else {
        units
    };
    let mut work: Vec<Backward<'_>> = cut_ref(gy, &rows, gy_per_row)
        .into_iter()
        .zip(cut_ref(&record.h_prev, &rows, time * units))
        .zip(cut_ref(&record.gates, &rows, time * width))
        .zip(cut_ref(&record.hu_n, &rows, time * units))
        .zip(cut(&mut dh, &rows, units))
        .zip(cut(&mut dxw, &rows, time * width))
        .zip(cut(&mut dhu, &rows, time * width))
        .zip(cut(&mut db, &rows, db_per_row))
        .zip(&rows)
        .map(
            |((((((((gy, h_prev), gates), hu_n), dh), dxw), dhu), db), &rows)| Backward {
                rows,
                gy,
                h_prev,
                gates,
                hu_n,
                dh,
                dxw,
                dhu,
                db,
            },
        )
        .collect();
    // The kernel's transpose packed once for the whole sequence.
    let packed_t = Packed::new(view2(kernel, units, width, width).t());
    let run = |part: &mut Backward<'_>| backward_part(part, record, &packed_t, want_h0);
    if work.len() > 1 {
        use rayon::prelude::*;
        work.par_iter_mut().for_each(run);
    } else {
        work.iter_mut().for_each(run);
    }
    drop(work);
    if record.kernel.requires_grad() {
        let mut dk = buffers::zeros(&[units, width]);
        gemm(
            dk.view_mut()
                .into_dimensionality()
                .expect("the kernel is 2-D"),
            view2(&record.h_prev, batch * time, units, units).t(),
            view2(&dhu, batch * time, width, width),
            false,
        );
        send(&record.kernel, dk);
    }
    if let Some(bias) = &record.bias
        && want_bias
    {
        // Each sample's sums over its steps (added as the steps ran, while the rows were in
        // the cache), then the samples' sums in sample order: the same bits whatever the
        // number of parts (threads), without two more passes over the gradients.
        send(bias, vec_array(&[2, width], sum_samples(&db, 2 * width)));
    }
    send_if_wanted(record.h0.as_ref(), &[batch, units], dh, send);
    send_if_wanted(Some(&record.xw), &[batch, time, width], dxw, send);
    buffers::recycle(dhu);
}

// Indexing several rows of one length in lockstep reads clearer than a many-way zip;
// the bounds checks are hoisted (the loops vectorise).
#[allow(clippy::needless_range_loop)]
fn backward_part(part: &mut Backward<'_>, record: &GruRecord, kernel_t: &Packed, want_h0: bool) {
    if part.rows == 0 {
        // A batch of no rows sends empty gradients.
        return;
    }
    let Dims { time, units, .. } = record.dims;
    let (batch, width) = (part.rows, 3 * units);
    if !record.return_sequences {
        part.dh.copy_from_slice(part.gy);
    }
    for s in (0..time).rev() {
        let t = time_of(s, time, record.go_backwards);
        // The rows of the step after this one (run before it), fetched into the cache while
        // this step runs, as in the LSTM's backward pass.
        let earlier = (s > 0).then(|| time_of(s - 1, time, record.go_backwards));
        // The gate math of every row, compiled for AVX2 where the CPU has it.
        vectorized(
            #[inline(always)]
            || {
                for b in 0..batch {
                    if let Some(e) = earlier {
                        let at = (b * time + e) * width;
                        prefetch(&part.gates[at..at + width]);
                        let at = (b * time + e) * units;
                        prefetch(&part.h_prev[at..at + units]);
                        prefetch(&part.hu_n[at..at + units]);
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
                    let (z, rest) = gates.split_at(units);
                    let (r, n) = rest.split_at(units);
                    let hp = &part.h_prev[row..row + units];
                    let hn = &part.hu_n[row..row + units];
                    let (dxz, rest) = part.dxw[grow..grow + width].split_at_mut(units);
                    let (dxr, dxn) = rest.split_at_mut(units);
                    let (duz, rest) = part.dhu[grow..grow + width].split_at_mut(units);
                    let (dur, dun) = rest.split_at_mut(units);
                    // Every row cut to `units` values, so that the loop has no bounds checks
                    // and vectorises (it ran scalar).
                    let (z, r, n, hp, hn) = (
                        &z[..units],
                        &r[..units],
                        &n[..units],
                        &hp[..units],
                        &hn[..units],
                    );
                    let (dxz, dxr, dxn) = (&mut dxz[..units], &mut dxr[..units], &mut dxn[..units]);
                    let (duz, dur, dun) = (&mut duz[..units], &mut dur[..units], &mut dun[..units]);
                    let dh_row = &mut dh_row[..units];
                    for j in 0..units {
                        let dhj = dh_row[j];
                        let dan = dhj * (1.0 - z[j]) * (1.0 - n[j] * n[j]);
                        let daz = dhj * (hp[j] - n[j]) * z[j] * (1.0 - z[j]);
                        let dar = dan * hn[j] * r[j] * (1.0 - r[j]);
                        dxz[j] = daz;
                        dxr[j] = dar;
                        dxn[j] = dan;
                        duz[j] = daz;
                        dur[j] = dar;
                        dun[j] = dan * r[j];
                        // The direct path h → h'; the product below adds the recurrent one.
                        dh_row[j] = dhj * z[j];
                    }
                    if !part.db.is_empty() {
                        let sums = &mut part.db[b * 2 * width..(b + 1) * 2 * width];
                        let (sx, sh) = sums.split_at_mut(width);
                        add_into(sx, &part.dxw[grow..grow + width]);
                        add_into(sh, &part.dhu[grow..grow + width]);
                    }
                }
            },
        );
        if s > 0 || want_h0 {
            kernel_t.product_into(
                &part.dhu[t * width..],
                time * width,
                batch,
                part.dh,
                units,
                true,
            );
        }
    }
}

#[cfg(test)]
mod tests;
