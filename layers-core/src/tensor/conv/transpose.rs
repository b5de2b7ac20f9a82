//! The transposed 2-D convolution (Keras's `Conv2DTranspose` without its bias): the gradient
//! of a convolution with respect to its input, with Keras's output sizes, with or without
//! `output_padding`.

use super::{Settings, array, check_rank, slice, values};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::tensor::conv::Padding;
use crate::tensor::conv_kernels::conv_input_grad;
use crate::tensor::op::Op;
use crate::tensor::shape::checked_size;
use crate::unwind::OrRaise;

impl Tensor {
    /// A transposed 2-D convolution (Keras's `Conv2DTranspose` without bias, also called a
    /// deconvolution): the gradient of [`Tensor::conv2d`] with respect to its input, so that
    /// it maps a convolution's output size back to its input size. `self` `(batch, h, w, in)`
    /// with `kernel` `(kh, kw, filters, in)` — filters before input channels, as Keras
    /// stores it — gives `(batch, oh, ow, filters)` where, per axis, `o = n · s` with `same`
    /// padding and `o = n · s + max(k' − s, 0)` with `valid` (`k'` the dilated kernel span).
    ///
    /// # Panics
    ///
    /// On shapes that do not fit; see [`Tensor::try_conv2d_transpose`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// // Stride 2 with a 2×2 kernel of ones: each input value fills its own 2×2 block.
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 2, 2, 1]);
    /// let k = Tensor::ones(&[2, 2, 1, 1]);
    /// let y = x.conv2d_transpose(&k, (2, 2), Padding::Valid, (1, 1));
    /// assert_eq!(y.shape(), &[1, 4, 4, 1]);
    /// assert_eq!(&y.to_vec()[..8], &[1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn conv2d_transpose(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Tensor {
        self.try_conv2d_transpose(kernel, strides, padding, dilation)
            .or_raise()
    }

    /// Like [`Tensor::conv2d_transpose`], returning an error for shapes that do not fit.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `self` or `kernel` is not of rank 4;
    /// [`Error::IncompatibleShapes`] when the input's channels differ from the kernel's last
    /// axis; [`Error::InvalidArgument`] for a stride or dilation of 0 or an empty axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let x = Tensor::ones(&[2, 3, 3, 4]);
    /// let k = Tensor::ones(&[3, 3, 8, 4]);
    /// let y = x.try_conv2d_transpose(&k, (2, 2), Padding::Same, (1, 1))?;
    /// assert_eq!(y.shape(), &[2, 6, 6, 8]);
    /// let y = x.try_conv2d_transpose(&k, (2, 2), Padding::Valid, (1, 1))?;
    /// assert_eq!(y.shape(), &[2, 7, 7, 8]); // 3·2 + max(3 − 2, 0)
    /// assert!(x.try_conv2d_transpose(&Tensor::ones(&[3, 3, 4, 8]), (1, 1), Padding::Same, (1, 1)).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn try_conv2d_transpose(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Result<Tensor> {
        transpose(self, kernel, strides, padding, dilation, None)
    }

    /// [`Tensor::conv2d_transpose`] with Keras's `output_padding`: per axis, the output is
    /// `(n − 1) · s + k' + p` with `valid` padding and `(n − 1) · s + k' mod 2 + p` with
    /// `same` (`k'` the dilated kernel span, `p` the output padding), the extra positions
    /// after the others. Each `p` must be below its stride, as Keras requires. An output
    /// padding of 0 is not the same as none: `valid` with a stride above the kernel, or
    /// `same` with an even kernel, then gives fewer positions.
    ///
    /// # Panics
    ///
    /// On shapes or settings that do not fit; see
    /// [`Tensor::try_conv2d_transpose_with_output_padding`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// // 7 positions, stride 2: `same` gives 14, and an output padding of 1 gives 7·2 − 2 + 1 + 1.
    /// let x = Tensor::ones(&[1, 7, 7, 1]);
    /// let k = Tensor::ones(&[3, 3, 1, 1]);
    /// let y = x.conv2d_transpose_with_output_padding(&k, (2, 2), Padding::Same, (1, 1), (1, 0));
    /// assert_eq!(y.shape(), &[1, 14, 13, 1]);
    /// ```
    #[track_caller]
    pub fn conv2d_transpose_with_output_padding(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
        output_padding: (usize, usize),
    ) -> Tensor {
        self.try_conv2d_transpose_with_output_padding(
            kernel,
            strides,
            padding,
            dilation,
            output_padding,
        )
        .or_raise()
    }

    /// Like [`Tensor::conv2d_transpose_with_output_padding`], returning an error for shapes
    /// or settings that do not fit.
    ///
    /// # Errors
    ///
    /// Those of [`Tensor::try_conv2d_transpose`], and [`Error::InvalidArgument`] when an
    /// output padding is not below its stride.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let x = Tensor::ones(&[1, 3, 3, 2]);
    /// let k = Tensor::ones(&[3, 3, 4, 2]);
    /// let y = x.try_conv2d_transpose_with_output_padding(&k, (2, 2), Padding::Valid, (1, 1), (1, 0))?;
    /// assert_eq!(y.shape(), &[1, 8, 7, 4]); // (3 − 1)·2 + 3 + p
    /// let err = x
    ///     .try_conv2d_transpose_with_output_padding(&k, (2, 2), Padding::Valid, (1, 1), (2, 0))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("output padding"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn try_conv2d_transpose_with_output_padding(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
        output_padding: (usize, usize),
    ) -> Result<Tensor> {
        let output_padding = [output_padding.0, output_padding.1];
        transpose(
            self,
            kernel,
            strides,
            padding,
            dilation,
            Some(output_padding),
        )
    }
}

/// The transposed convolution of `x` with `kernel`, with Keras's `output_padding` when given.
fn transpose(
    x_tensor: &Tensor,
    kernel: &Tensor,
    strides: (usize, usize),
    padding: Padding,
    dilation: (usize, usize),
    output_padding: Option<[usize; 2]>,
) -> Result<Tensor> {
    let op = "conv2d_transpose";
    check_rank(
        op,
        "an input",
        x_tensor.shape(),
        4,
        "(batch, height, width, channels)",
    )?;
    check_rank(
        op,
        "a kernel",
        kernel.shape(),
        4,
        "(height, width, filters, in)",
    )?;
    let (x, k) = (x_tensor.shape(), kernel.shape());
    if k[3] != x[3] {
        return Err(Error::incompatible(
            op,
            x,
            k,
            format!(
                "the input has {} channels but the kernel takes {}",
                x[3], k[3]
            ),
        ));
    }
    let settings = Settings {
        op,
        strides: [strides.0, strides.1],
        padding,
        dilation: [dilation.0, dilation.1],
        added_axes: 0,
    };
    settings.check()?;
    if padding == Padding::Causal {
        return Err(Error::invalid(
            op,
            "`causal` padding has no transposed form (Keras refuses it too); use `valid` or \
             `same`",
        ));
    }
    if let Some(p) = output_padding
        && let Some(axis) = (0..2).find(|&a| p[a] >= settings.strides[a])
    {
        return Err(Error::invalid(
            op,
            format!(
                "the output padding must be below the stride on each axis (as Keras requires); \
                 axis {axis} has an output padding of {} and a stride of {}",
                p[axis], settings.strides[axis]
            ),
        ));
    }
    // The output size per axis (Keras's `deconv_output_length`): the input size of the
    // convolution whose input gradient this is.
    let mut out = [x[0], 0, 0, k[2]];
    // The zeros before each axis of the convolution whose input gradient this is.
    let mut before = [0; 2];
    for axis in 0..2 {
        let (n, kk) = (x[1 + axis], k[axis]);
        if n == 0 || kk == 0 {
            return Err(Error::invalid(
                op,
                format!(
                    "spatial axis {axis} has {n} input positions and {kk} kernel taps; both \
                     must be at least 1"
                ),
            ));
        }
        let (s, d) = (settings.strides[axis], settings.dilation[axis]);
        let span = (kk - 1).saturating_mul(d).saturating_add(1);
        let grown = match (output_padding, padding) {
            (None, Padding::Valid) => n
                .checked_mul(s)
                .and_then(|o| o.checked_add(span.saturating_sub(s))),
            (None, _) => n.checked_mul(s),
            (Some(p), Padding::Valid) => (n - 1)
                .checked_mul(s)
                .and_then(|o| o.checked_add(span))
                .and_then(|o| o.checked_add(p[axis])),
            (Some(p), _) => (n - 1)
                .checked_mul(s)
                .and_then(|o| o.checked_add(span % 2 + p[axis])),
        };
        out[1 + axis] = grown.ok_or_else(|| {
            Error::invalid(
                op,
                format!("the output of axis {axis} is too large to address"),
            )
        })?;
        if out[1 + axis] == 0 {
            return Err(Error::invalid(
                op,
                format!(
                    "axis {axis} would have no output positions: one input position, an even \
                     kernel span ({span}) and `same` padding with an output padding of 0; give \
                     an output padding of at least 1, or none"
                ),
            ));
        }
        // Keras (JAX backend) pads the stride-dilated input by `left` zeros before it; the
        // convolution's own zeros before the axis are what the kernel span leaves of them.
        let left = match (output_padding, padding) {
            (_, Padding::Valid) => span - 1,
            (None, _) => (s.saturating_add(span) - 2).div_ceil(2).min(span - 1),
            (Some(p), _) => (span.saturating_add(span % 2 + p[axis]) - 2)
                .div_ceil(2)
                .min(span - 1),
        };
        before[axis] = span - 1 - left;
    }
    // The output grows with the strides: refused before allocating when it (or its size
    // computation) does not fit the machine. The geometry checks the column buffer.
    checked_size(|| format!("`{op}`'s output"), &out, size_of::<f32>())?;
    let mut g = settings.geometry(&out, [k[0], k[1]], k[3])?;
    // The convolution of the output size gives back the input size, except with `same`, an
    // even kernel span and an output padding of 0, where it gives one position fewer: its
    // windows are then those of the input's positions, the last one reaching past the end.
    // The zeros before each axis are Keras's in every case.
    debug_assert!(
        (0..2).all(|a| g.output[a] == x[1 + a] || g.output[a] + 1 == x[1 + a]),
        "deconv_output_length inverts the conv's"
    );
    g.output = [x[1], x[2]];
    g.pad = before;
    checked_size(
        || format!("`{op}`'s column buffer"),
        &[x[0], x[1], x[2], k[0], k[1], k[3]],
        size_of::<f32>(),
    )?;
    let (xv, kv) = (values(x_tensor), values(kernel));
    let y = conv_input_grad(&g, slice(&xv), slice(&kv));
    Ok(Tensor::from_op(
        array(&out, y),
        || Op::Conv2dTranspose {
            input: x_tensor.clone(),
            kernel: kernel.clone(),
            geometry: g,
        },
        &[x_tensor, kernel],
    ))
}
