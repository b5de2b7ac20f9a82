//! Convolutions over channels-last tensors, as Keras computes them: full 1-D and 2-D
//! convolutions, depthwise (per-channel) 2-D convolutions and transposed 2-D convolutions,
//! each with strides, dilation and [`Padding`] `valid` or `same` (TensorFlow's rule), and
//! `causal` for the 1-D convolution.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::tensor::conv::Padding;
//! // One 3×3 image of ones, one 2×2 kernel of ones: each output sums a 2×2 window.
//! let x = Tensor::ones(&[1, 3, 3, 1]);
//! let k = Tensor::ones(&[2, 2, 1, 1]);
//! let y = x.conv2d(&k, (1, 1), Padding::Valid, (1, 1));
//! assert_eq!(y.shape(), &[1, 2, 2, 1]);
//! assert_eq!(y.to_vec(), vec![4.0; 4]);
//! // `same` keeps the size, padding with zeros (here one row and column after).
//! let y = x.conv2d(&k, (1, 1), Padding::Same, (1, 1));
//! assert_eq!(y.to_vec(), vec![4.0, 4.0, 2.0, 4.0, 4.0, 2.0, 2.0, 2.0, 1.0]);
//! ```
//!
//! Full convolutions run as im2col and one matrix product on the library's GEMM for the
//! forward pass and for each gradient; depthwise ones as direct loops (see `conv_kernels`).

use ndarray::{ArrayD, IxDyn};

use super::Tensor;
use super::conv_kernels::{ConvGeometry, conv_forward, depthwise_forward};
use super::op::Op;
use super::shape::checked_size;
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

pub use super::conv_padding::Padding;

mod transpose;

/// The settings shared by the convolution ops, checked.
struct Settings {
    op: &'static str,
    strides: [usize; 2],
    padding: Padding,
    dilation: [usize; 2],
    /// How many leading spatial axes were added to make a 1-D op 2-D (for messages).
    added_axes: usize,
}

impl Settings {
    fn check(&self) -> Result<()> {
        for (what, v) in [("strides", self.strides), ("dilation", self.dilation)] {
            if v.contains(&0) {
                return Err(Error::invalid(
                    self.op,
                    format!("{what} must be at least 1, got {:?}", &v[self.added_axes..]),
                ));
            }
        }
        Ok(())
    }

    /// The geometry of a convolution of `x` `(batch, h, w, in)` with a kernel of spatial
    /// size `kernel` into `out_channels`, or the error naming what does not fit.
    fn geometry(
        &self,
        x: &[usize],
        kernel: [usize; 2],
        out_channels: usize,
    ) -> Result<ConvGeometry> {
        self.check()?;
        if x[3] == 0 || out_channels == 0 {
            return Err(Error::invalid(
                self.op,
                format!(
                    "the input has {} channels and the output {out_channels}; both must be \
                     at least 1",
                    x[3]
                ),
            ));
        }
        let mut output = [0; 2];
        let mut pad = [0; 2];
        for axis in 0..2 {
            let (n, k) = (x[1 + axis], kernel[axis]);
            let shown = axis - self.added_axes.min(axis);
            if n == 0 || k == 0 {
                return Err(Error::invalid(
                    self.op,
                    format!(
                        "spatial axis {shown} has {n} input positions and {k} kernel taps; \
                         both must be at least 1"
                    ),
                ));
            }
            let (s, d) = (self.strides[axis], self.dilation[axis]);
            let Some((o, p)) = self.padding.output_length(n, k, s, d) else {
                let span = (k - 1).saturating_mul(d).saturating_add(1);
                return Err(Error::invalid(
                    self.op,
                    format!(
                        "the kernel spans {span} positions (size {k}, dilation {d}) along \
                         spatial axis {shown}, more than the {n} positions of the input \
                         with `{}` padding",
                        self.padding
                    ),
                ));
            };
            output[axis] = o;
            pad[axis] = p;
        }
        // The buffers the passes allocate, refused here (naming the op) when they cannot be
        // had: the output (and its gradient), and the im2col matrix of the whole batch, whose
        // rows are as long as the kernel (a huge kernel with `same` padding keeps the output
        // small and makes this one huge).
        let op = self.op;
        checked_size(
            || format!("`{op}`'s output"),
            &[x[0], output[0], output[1], out_channels],
            size_of::<f32>(),
        )?;
        checked_size(
            || format!("`{op}`'s column buffer"),
            &[x[0], output[0], output[1], kernel[0], kernel[1], x[3]],
            size_of::<f32>(),
        )?;
        Ok(ConvGeometry {
            batch: x[0],
            input: [x[1], x[2]],
            in_channels: x[3],
            kernel,
            out_channels,
            stride: self.strides,
            dilation: self.dilation,
            pad,
            output,
        })
    }
}

fn check_rank(
    op: &'static str,
    what: &str,
    shape: &[usize],
    rank: usize,
    layout: &str,
) -> Result<()> {
    if shape.len() != rank {
        return Err(Error::mismatch(
            op,
            format!("{what} of rank {rank} {layout}"),
            shape,
        ));
    }
    Ok(())
}

/// The values of `t` in row-major order, borrowed when they already are.
pub(crate) fn values(t: &Tensor) -> ndarray::CowArray<'_, f32, IxDyn> {
    t.data().as_standard_layout()
}

pub(crate) fn slice<'a>(a: &'a ndarray::CowArray<'_, f32, IxDyn>) -> &'a [f32] {
    a.as_slice().expect("a standard-layout array is one slice")
}

pub(crate) fn array(shape: &[usize], values: Vec<f32>) -> ArrayD<f32> {
    ArrayD::from_shape_vec(IxDyn(shape), values).expect("the kernels return the shape's values")
}

impl Tensor {
    /// A 1-D convolution (Keras's `Conv1D` without bias): `self` `(batch, steps, in)` with
    /// `kernel` `(k, in, filters)` gives `(batch, out_steps, filters)`, where `out_steps`
    /// follows [`Padding::output_length`]. Computed as a 2-D convolution of height 1.
    ///
    /// # Panics
    ///
    /// On shapes that do not fit; see [`Tensor::try_conv1d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 4, 1]);
    /// let k = Tensor::from_vec(vec![1.0, -1.0], &[2, 1, 1]); // x[t] − x[t + 1]
    /// assert_eq!(x.conv1d(&k, 1, Padding::Valid, 1).to_vec(), vec![-1.0, -1.0, -1.0]);
    /// // stride 2, dilation 1: windows at 0 and 2
    /// assert_eq!(x.conv1d(&k, 2, Padding::Valid, 1).to_vec(), vec![-1.0, -1.0]);
    /// ```
    #[track_caller]
    pub fn conv1d(
        &self,
        kernel: &Tensor,
        stride: usize,
        padding: Padding,
        dilation: usize,
    ) -> Tensor {
        self.try_conv1d(kernel, stride, padding, dilation)
            .or_raise()
    }

    /// Like [`Tensor::conv1d`], returning an error for shapes that do not fit.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `self` is not of rank 3 or `kernel` not of rank 3;
    /// [`Error::IncompatibleShapes`] when their channel counts differ;
    /// [`Error::InvalidArgument`] for a stride or dilation of 0, or a kernel that spans more
    /// steps than the (padded) input has.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let err = Tensor::ones(&[1, 2, 1]).try_conv1d(&Tensor::ones(&[3, 1, 1]), 1, Padding::Valid, 1);
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "`conv1d`: the kernel spans 3 positions (size 3, dilation 1) along spatial axis 0, \
    ///      more than the 2 positions of the input with `valid` padding"
    /// );
    /// ```
    pub fn try_conv1d(
        &self,
        kernel: &Tensor,
        stride: usize,
        padding: Padding,
        dilation: usize,
    ) -> Result<Tensor> {
        let op = "conv1d";
        check_rank(op, "an input", self.shape(), 3, "(batch, steps, channels)")?;
        check_rank(op, "a kernel", kernel.shape(), 3, "(size, in, filters)")?;
        let (x, k) = (self.shape(), kernel.shape());
        let x4 = self.try_reshape(&[x[0], 1, x[1], x[2]])?;
        let k4 = kernel.try_reshape(&[1, k[0], k[1], k[2]])?;
        let settings = Settings {
            op,
            strides: [1, stride],
            padding,
            dilation: [1, dilation],
            added_axes: 1,
        };
        let y = x4.conv2d_with(&k4, &settings)?;
        let s = y.shape();
        y.try_reshape(&[s[0], s[2], s[3]])
    }

    /// A 2-D convolution (Keras's `Conv2D` without bias): `self` `(batch, h, w, in)` with
    /// `kernel` `(kh, kw, in, filters)` gives `(batch, oh, ow, filters)`; `strides` and
    /// `dilation` are `(rows, columns)`, output sizes follow [`Padding::output_length`].
    ///
    /// # Panics
    ///
    /// On shapes that do not fit; see [`Tensor::try_conv2d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let x = Tensor::from_vec((1..=16).map(|v| v as f32).collect(), &[1, 4, 4, 1]);
    /// let k = Tensor::ones(&[2, 2, 1, 1]);
    /// // stride 2: the four disjoint 2×2 blocks, 1+2+5+6 = 14 and so on
    /// let y = x.conv2d(&k, (2, 2), Padding::Valid, (1, 1));
    /// assert_eq!(y.to_vec(), vec![14.0, 22.0, 46.0, 54.0]);
    /// // dilation 3: the four corners, 1 + 4 + 13 + 16
    /// assert_eq!(x.conv2d(&k, (1, 1), Padding::Valid, (3, 3)).to_vec(), vec![34.0]);
    /// ```
    #[track_caller]
    pub fn conv2d(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Tensor {
        self.try_conv2d(kernel, strides, padding, dilation)
            .or_raise()
    }

    /// Like [`Tensor::conv2d`], returning an error for shapes that do not fit.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `self` or `kernel` is not of rank 4;
    /// [`Error::IncompatibleShapes`] when their channel counts differ;
    /// [`Error::InvalidArgument`] for a stride or dilation of 0, or a kernel larger than
    /// the (padded) input.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let k = Tensor::ones(&[3, 3, 2, 4]);
    /// let err = Tensor::ones(&[1, 5, 5, 3]).try_conv2d(&k, (1, 1), Padding::Same, (1, 1));
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "`conv2d` cannot combine shapes [1, 5, 5, 3] and [3, 3, 2, 4]: the input has 3 \
    ///      channels but the kernel takes 2"
    /// );
    /// assert!(Tensor::ones(&[5, 5, 2]).try_conv2d(&k, (1, 1), Padding::Same, (1, 1)).is_err());
    /// ```
    pub fn try_conv2d(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Result<Tensor> {
        let settings = Settings {
            op: "conv2d",
            strides: [strides.0, strides.1],
            padding,
            dilation: [dilation.0, dilation.1],
            added_axes: 0,
        };
        self.conv2d_with(kernel, &settings)
    }

    fn conv2d_with(&self, kernel: &Tensor, settings: &Settings) -> Result<Tensor> {
        let g = self.conv2d_geometry(kernel, settings)?;
        let (xv, kv) = (values(self), values(kernel));
        let y = conv_forward(&g, slice(&xv), slice(&kv));
        let shape = [g.batch, g.output[0], g.output[1], g.out_channels];
        Ok(Tensor::from_op(
            array(&shape, y),
            || Op::Conv2d {
                input: self.clone(),
                kernel: kernel.clone(),
                geometry: g,
            },
            &[self, kernel],
        ))
    }

    /// The checked geometry of [`Tensor::try_conv2d`] (the same errors), for the fused
    /// convolution of `conv_fused`.
    pub(crate) fn checked_conv2d_geometry(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Result<ConvGeometry> {
        let settings = Settings {
            op: "conv2d",
            strides: [strides.0, strides.1],
            padding,
            dilation: [dilation.0, dilation.1],
            added_axes: 0,
        };
        self.conv2d_geometry(kernel, &settings)
    }

    fn conv2d_geometry(&self, kernel: &Tensor, settings: &Settings) -> Result<ConvGeometry> {
        let op = settings.op;
        check_rank(
            op,
            "an input",
            self.shape(),
            4,
            "(batch, height, width, channels)",
        )?;
        check_rank(
            op,
            "a kernel",
            kernel.shape(),
            4,
            "(height, width, in, filters)",
        )?;
        let (x, k) = (self.shape(), kernel.shape());
        if k[2] != x[3] {
            return Err(Error::incompatible(
                op,
                x,
                k,
                format!(
                    "the input has {} channels but the kernel takes {}",
                    x[3], k[2]
                ),
            ));
        }
        settings.geometry(x, [k[0], k[1]], k[3])
    }

    /// A depthwise 2-D convolution (Keras's `DepthwiseConv2D` without bias): each input
    /// channel is convolved with its own `multiplier` filters. `self` `(batch, h, w, c)` with
    /// `kernel` `(kh, kw, c, multiplier)` gives `(batch, oh, ow, c · multiplier)`, output
    /// channel `i · multiplier + j` coming from input channel `i` and filter `j`.
    ///
    /// # Panics
    ///
    /// On shapes that do not fit; see [`Tensor::try_depthwise_conv2d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// // Two channels, one 1×1 filter each scaling by 2 and 3; then a multiplier of 2.
    /// let x = Tensor::from_vec(vec![1.0, 10.0], &[1, 1, 1, 2]);
    /// let k = Tensor::from_vec(vec![2.0, 3.0], &[1, 1, 2, 1]);
    /// assert_eq!(x.depthwise_conv2d(&k, (1, 1), Padding::Valid, (1, 1)).to_vec(), vec![2.0, 30.0]);
    /// let k = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2]);
    /// let y = x.depthwise_conv2d(&k, (1, 1), Padding::Valid, (1, 1));
    /// assert_eq!(y.to_vec(), vec![1.0, 2.0, 30.0, 40.0]);
    /// ```
    #[track_caller]
    pub fn depthwise_conv2d(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Tensor {
        self.try_depthwise_conv2d(kernel, strides, padding, dilation)
            .or_raise()
    }

    /// Like [`Tensor::depthwise_conv2d`], returning an error for shapes that do not fit.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_conv2d`], the kernel being `(kh, kw, channels, multiplier)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::conv::Padding;
    /// let x = Tensor::ones(&[1, 4, 4, 3]);
    /// let err = x.try_depthwise_conv2d(&Tensor::ones(&[2, 2, 2, 1]), (1, 1), Padding::Valid, (1, 1));
    /// assert!(err.unwrap_err().to_string().contains("the input has 3 channels but the kernel takes 2"));
    /// ```
    pub fn try_depthwise_conv2d(
        &self,
        kernel: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
    ) -> Result<Tensor> {
        let op = "depthwise_conv2d";
        check_rank(
            op,
            "an input",
            self.shape(),
            4,
            "(batch, height, width, channels)",
        )?;
        check_rank(
            op,
            "a kernel",
            kernel.shape(),
            4,
            "(height, width, channels, multiplier)",
        )?;
        let (x, k) = (self.shape(), kernel.shape());
        if k[2] != x[3] {
            return Err(Error::incompatible(
                op,
                x,
                k,
                format!(
                    "the input has {} channels but the kernel takes {}",
                    x[3], k[2]
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
        let g = settings.geometry(x, [k[0], k[1]], k[2] * k[3])?;
        let (xv, kv) = (values(self), values(kernel));
        let y = depthwise_forward(&g, slice(&xv), slice(&kv));
        let shape = [g.batch, g.output[0], g.output[1], g.out_channels];
        Ok(Tensor::from_op(
            array(&shape, y),
            || Op::DepthwiseConv2d {
                input: self.clone(),
                kernel: kernel.clone(),
                geometry: g,
            },
            &[self, kernel],
        ))
    }
}
