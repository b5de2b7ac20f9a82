//! Keras 3's model summary: the box-drawn table of layers, output shapes and parameter
//! counts, and the totals with their sizes in bytes.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new().add(Dense::new(64)).add(Dense::new(10));
//! model.build([32])?;
//! let text = model.summary().to_string();
//! assert!(text.contains("│ dense (Dense)                   │ (None, 64)             │         2,112 │"));
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::fmt;

use super::{Layer, LayerExt};
use crate::autograd::no_grad;
use crate::error::BatchShape;
use crate::tensor::Tensor;

/// One row of a [`Summary`]: a layer's name and type, output shape and parameter count.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::SummaryRow;
/// let row = SummaryRow::of("out", &Dense::new(3), None);
/// assert_eq!(row.params, None); // not built
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// The layer's name (or path segment).
    pub name: String,
    /// The layer's type.
    pub type_name: String,
    /// The per-sample output shape, if known.
    pub output_shape: Option<Vec<usize>>,
    /// The number of parameters, `None` while unbuilt.
    pub params: Option<usize>,
    /// Whether the compiler checked this layer's shapes: in a statically checked model
    /// (`#[layer(sequential, input = [...])]`), `Some(true)` for a field whose input and
    /// output shapes the compiler knows, `Some(false)` for one checked only at run time (a
    /// layer without a shape signature, and every field after it); `None` elsewhere.
    pub compile_time_checked: Option<bool>,
}

impl SummaryRow {
    /// The row for `layer` under `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::SummaryRow;
    /// let mut d = Dense::new(3);
    /// d.build([2])?;
    /// assert_eq!(SummaryRow::of("d", &d, Some(vec![3])).params, Some(9));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn of(name: &str, layer: &dyn Layer, output_shape: Option<Vec<usize>>) -> SummaryRow {
        SummaryRow {
            name: name.to_string(),
            type_name: layer.type_name().to_string(),
            output_shape,
            params: layer.count_params().ok(),
            compile_time_checked: None,
        }
    }
}

/// Adds the rows `layer` shows as the sublayer `name` of another: its own row, or for a
/// [container](Layer::is_container) one row per element (`blocks.0`, `blocks.1`). With `x`,
/// also runs the layer on it (no recording; `None` from the first failure) and records the
/// output shape.
pub(crate) fn push_rows(
    rows: &mut Vec<SummaryRow>,
    name: &str,
    layer: &dyn Layer,
    mut x: Option<&mut Option<Tensor>>,
) {
    if layer.is_container() {
        for (element, sub) in layer.sublayers() {
            push_rows(rows, &format!("{name}.{element}"), sub, x.as_deref_mut());
        }
        return;
    }
    let shape = x.and_then(|x| {
        *x = x
            .take()
            .and_then(|t| no_grad(|| super::catch_forward(layer, &t)).ok());
        x.as_ref()
            .map(|y| y.shape().get(1..).unwrap_or(&[]).to_vec())
    });
    rows.push(SummaryRow::of(name, layer, shape));
}

/// The summary rows of layers called in sequence on a zero sample of `input_shape`, each
/// with the output shape it produced (`?` from the first that fails), and a row per element
/// of a container (`blocks.0`). What `#[layer(sequential)]` models show in summaries; not a
/// public API (reached through `__private`).
pub fn sequential_summary_rows(
    layers: &[(&str, &dyn Layer)],
    input_shape: &[usize],
) -> Vec<SummaryRow> {
    let mut batch = vec![1];
    batch.extend_from_slice(input_shape);
    let mut x = Tensor::try_zeros(&batch).ok();
    let mut rows = Vec::new();
    for (name, layer) in layers {
        push_rows(&mut rows, name, *layer, Some(&mut x));
    }
    rows
}

/// The summary rows of a statically checked model's fields, each marked with whether the
/// compiler checked its shapes (see [`SummaryRow::compile_time_checked`]); with the output
/// shapes as [`sequential_summary_rows`] finds them when `input_shape` is given. What
/// `#[layer(sequential, input = [...])]` models show in summaries; not a public API
/// (reached through `__private`).
pub fn static_summary_rows(
    layers: &[(&str, &dyn Layer, bool)],
    input_shape: Option<&[usize]>,
) -> Vec<SummaryRow> {
    let mut x = input_shape.and_then(|shape| {
        let mut batch = vec![1];
        batch.extend_from_slice(shape);
        Tensor::try_zeros(&batch).ok()
    });
    let run = input_shape.is_some();
    let mut rows = Vec::new();
    for (name, layer, checked) in layers {
        let first = rows.len();
        push_rows(&mut rows, name, *layer, run.then_some(&mut x));
        for row in &mut rows[first..] {
            row.compile_time_checked = Some(*checked);
        }
    }
    rows
}

/// A model summary in Keras 3's format; `Display` draws it 76 columns wide (what Keras
/// prints when not on a terminal), [`Summary::with_width`] sets another width.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let model = Sequential::new().add(Dense::new(4));
/// let text = model.summary().to_string();
/// assert!(text.contains("│ dense (Dense)                   │ ?                      │   0 (unbuilt) │"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The model's name.
    pub name: String,
    /// One row per layer.
    pub rows: Vec<SummaryRow>,
    /// All parameters.
    pub total: usize,
    /// Parameters optimizers update.
    pub trainable: usize,
    /// Parameters they leave alone.
    pub non_trainable: usize,
    /// Extra lines after the totals, e.g. ` Optimizer params: …`.
    pub extra: Vec<String>,
    width: usize,
}

impl Summary {
    /// The summary of `layer`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::Summary;
    /// let mut model = Sequential::new().add(Dense::new(2));
    /// model.build([3])?;
    /// assert_eq!(Summary::of(&model).total, 8);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn of(layer: &dyn Layer) -> Summary {
        let weights = layer.all_weights();
        let count = |trainable: bool| -> usize {
            weights
                .iter()
                .filter(|(_, w)| w.is_trainable() == trainable)
                .map(|(_, w)| w.len())
                .sum()
        };
        let (trainable, non_trainable) = (count(true), count(false));
        Summary {
            name: layer.display_name(),
            rows: layer.summary_rows(),
            total: trainable + non_trainable,
            trainable,
            non_trainable,
            extra: Vec::new(),
            width: 76,
        }
    }

    /// The same summary drawn `width` columns wide (Keras uses up to 88 on a terminal).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let text = Sequential::new().summary().with_width(88).to_string();
    /// assert_eq!(text.lines().nth(1).unwrap().chars().count(), 88);
    /// ```
    pub fn with_width(mut self, width: usize) -> Summary {
        self.width = width.max(40);
        self
    }
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Keras's readable byte size of `count` f32 values: `10.79 KB`, `0.00 B`.
pub(crate) fn readable_size(count: usize) -> String {
    let mut size = count as f64 * 4.0;
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if size / 1024.0 < 1.0 {
            return format!("{size:.2} {unit}");
        }
        size /= 1024.0;
    }
    format!("{size:.2} PB")
}

/// Breaks `text` into lines of at most `width` characters as Keras's table (drawn by `rich`)
/// does: between words, a word joining the line only if it fits whole; a word longer than a
/// line gets a line of its own, cut to `width - 1` characters and `…`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    // `rich`'s words are `\s*\S+\s*`: the spaces after a word belong to it.
    let mut breaks = Vec::new();
    let (mut at, mut line) = (0, 0);
    while at < chars.len() {
        let start = at;
        let mut end = at;
        while end < chars.len() && chars[end].is_whitespace() {
            end += 1;
        }
        if end == chars.len() {
            break;
        }
        while end < chars.len() && !chars[end].is_whitespace() {
            end += 1;
        }
        let word = end - start;
        while end < chars.len() && chars[end].is_whitespace() {
            end += 1;
        }
        if line + word <= width {
            line += end - start;
        } else if word > width || line > 0 {
            if start > 0 {
                breaks.push(start);
            }
            line = end - start;
        }
        at = end;
    }
    breaks.push(chars.len());
    let mut from = 0;
    breaks
        .into_iter()
        .map(|to| {
            let piece: String = chars[from..to].iter().collect();
            from = to;
            let piece = piece.trim_end();
            if piece.chars().count() > width {
                let mut cut: String = piece.chars().take(width - 1).collect();
                cut.push('…');
                cut
            } else {
                piece.to_string()
            }
        })
        .collect()
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = self.width;
        // Column borders at 0, 45 % and 80 % of the width, and the last column.
        let b1 = l * 45 / 100;
        let b2 = l * 80 / 100 - 1;
        let widths = [b1 - 1, b2 - b1 - 1, l - 1 - b2 - 1];
        let rule = |left: char, mid: char, right: char, fill: char| -> String {
            let mut s = String::new();
            s.push(left);
            for (i, w) in widths.iter().enumerate() {
                s.extend(std::iter::repeat_n(fill, *w));
                s.push(if i + 1 < widths.len() { mid } else { right });
            }
            s
        };
        // The header's cells are aligned to its bottom line, the others' to their top, as
        // in Keras.
        let row = |cells: [&str; 3], bar: char, bottom: bool| -> Vec<String> {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(widths)
                .map(|(c, w)| wrap(c, w - 2))
                .collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
            (0..height)
                .map(|line| {
                    let mut s = String::new();
                    s.push(bar);
                    for (i, (cell, w)) in wrapped.iter().zip(widths).enumerate() {
                        let skip = if bottom { height - cell.len() } else { 0 };
                        let text = line
                            .checked_sub(skip)
                            .and_then(|l| cell.get(l))
                            .map_or("", String::as_str);
                        if i == 2 {
                            s.push_str(&format!(" {text:>width$} ", width = w - 2));
                        } else {
                            s.push_str(&format!(" {text:<width$} ", width = w - 2));
                        }
                        s.push(bar);
                    }
                    s
                })
                .collect()
        };
        writeln!(f, "Model: \"{}\"", self.name)?;
        writeln!(f, "{}", rule('┏', '┳', '┓', '━'))?;
        for line in row(["Layer (type)", "Output Shape", "Param #"], '┃', true) {
            writeln!(f, "{line}")?;
        }
        writeln!(f, "{}", rule('┡', '╇', '┩', '━'))?;
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                writeln!(f, "{}", rule('├', '┼', '┤', '─'))?;
            }
            let name = format!("{} ({})", r.name, r.type_name);
            let shape = r
                .output_shape
                .as_deref()
                .map_or("?".to_string(), |s| BatchShape::from(s).to_string());
            let params = r.params.map_or("0 (unbuilt)".to_string(), thousands);
            for line in row([&name, &shape, &params], '│', false) {
                writeln!(f, "{line}")?;
            }
        }
        writeln!(f, "{}", rule('└', '┴', '┘', '─'))?;
        writeln!(
            f,
            " Total params: {} ({})",
            thousands(self.total),
            readable_size(self.total)
        )?;
        writeln!(
            f,
            " Trainable params: {} ({})",
            thousands(self.trainable),
            readable_size(self.trainable)
        )?;
        write!(
            f,
            " Non-trainable params: {} ({})",
            thousands(self.non_trainable),
            readable_size(self.non_trainable)
        )?;
        for line in &self.extra {
            write!(f, "\n{line}")?;
        }
        // Which shapes the compiler checked, in a statically checked model.
        let marked: Vec<(&str, bool)> = self
            .rows
            .iter()
            .filter_map(|r| r.compile_time_checked.map(|c| (r.name.as_str(), c)))
            .collect();
        if !marked.is_empty() {
            let runtime: Vec<&str> = marked
                .iter()
                .filter(|(_, checked)| !checked)
                .map(|(name, _)| *name)
                .collect();
            if runtime.is_empty() {
                write!(f, "\n Shapes checked at compile time: all layers")?;
            } else {
                write!(
                    f,
                    "\n Shapes checked only at run time: {}",
                    runtime.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{readable_size, sequential_summary_rows, static_summary_rows, thousands};
    use crate::activation::Relu;
    use crate::builtin::Dense;
    use crate::model::Sequential;

    #[test]
    fn counts_and_sizes_read_as_keras_prints_them() {
        assert_eq!(thousands(2762), "2,762");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(0), "0");
        assert_eq!(readable_size(2762), "10.79 KB");
        assert_eq!(readable_size(0), "0.00 B");
    }

    #[test]
    fn rows_of_layers_in_sequence_carry_their_output_shapes() {
        let (a, b) = (Dense::new(3), Relu);
        let rows = sequential_summary_rows(&[("a", &a), ("b", &b)], &[5]);
        assert_eq!(rows[0].output_shape, Some(vec![3]));
        assert_eq!(rows[1].output_shape, Some(vec![3]));
        assert_eq!(rows[1].compile_time_checked, None);
    }

    #[test]
    fn rows_of_a_checked_model_say_which_fields_the_compiler_checked() {
        let (a, b) = (Dense::new(3), Relu);
        let rows = static_summary_rows(&[("a", &a, true), ("b", &b, false)], Some(&[5]));
        assert_eq!(rows[1].output_shape, Some(vec![3]));
        assert_eq!(rows[1].compile_time_checked, Some(false));
        let mut summary = Sequential::new().summary();
        summary.rows = rows;
        assert!(
            summary
                .to_string()
                .ends_with(" Shapes checked only at run time: b")
        );
        let unrun = static_summary_rows(&[("a", &a, true)], None);
        assert_eq!(unrun[0].output_shape, None);
    }

    /// A summary whose rows are those of Keras's table in `long_names_wrap_as_keras_wraps_them`.
    fn long_names() -> super::Summary {
        let row = |name: &str, type_name: &str, out: usize, params: usize| super::SummaryRow {
            name: name.into(),
            type_name: type_name.into(),
            output_shape: Some(vec![out]),
            params: Some(params),
            compile_time_checked: None,
        };
        let mut summary = Sequential::new().summary();
        summary.rows = vec![
            row(
                "x y z  abcdefghijklmnopqrstuvwxyz0123456789 q",
                "Dense",
                4,
                16,
            ),
            row("batch_normalization", "BatchNormalization", 4, 16),
            row(
                "a_very_long_layer_name_that_goes_beyond_the_column_width",
                "Dense",
                2,
                10,
            ),
        ];
        summary
    }

    /// The table of `text`, without the title and totals.
    fn table(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with("Model"))
            .collect()
    }

    // Recorded once from Keras 3 (numpy backend, rich 14) with:
    //   m = keras.Sequential([keras.Input((3,)),
    //       layers.Dense(4, name="x y z  abcdefghijklmnopqrstuvwxyz0123456789 q"),
    //       layers.BatchNormalization(),
    //       layers.Dense(2, name="a_very_long_layer_name_that_goes_beyond_the_column_width")])
    //   m.summary(line_length=76); m.summary(line_length=41)
    #[test]
    fn long_names_wrap_as_keras_wraps_them() {
        let keras_76 = "\
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ x y z                           │ (None, 4)              │            16 │
│ abcdefghijklmnopqrstuvwxyz0123… │                        │               │
│ q (Dense)                       │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 4)              │            16 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ a_very_long_layer_name_that_go… │ (None, 2)              │            10 │
│ (Dense)                         │                        │               │
└─────────────────────────────────┴────────────────────────┴───────────────┘";
        let keras_41 = "\
┏━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━┓
┃                 ┃ Output     ┃  Param ┃
┃ Layer (type)    ┃ Shape      ┃      # ┃
┡━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━┩
│ x y z           │ (None, 4)  │     16 │
│ abcdefghijklmn… │            │        │
│ q (Dense)       │            │        │
├─────────────────┼────────────┼────────┤
│ batch_normaliz… │ (None, 4)  │     16 │
│ (BatchNormaliz… │            │        │
├─────────────────┼────────────┼────────┤
│ a_very_long_la… │ (None, 2)  │     10 │
│ (Dense)         │            │        │
└─────────────────┴────────────┴────────┘";
        let ours = long_names().to_string();
        assert_eq!(table(&ours), keras_76.lines().collect::<Vec<_>>(), "{ours}");
        let ours = long_names().with_width(41).to_string();
        assert_eq!(table(&ours), keras_41.lines().collect::<Vec<_>>(), "{ours}");
    }

    #[test]
    fn words_wrap_whole_and_overlong_ones_are_cut() {
        use super::wrap;
        assert_eq!(wrap("dense (Dense)", 31), ["dense (Dense)"]);
        assert_eq!(
            wrap("time_distributed (TimeDistributed)", 31),
            ["time_distributed", "(TimeDistributed)"]
        );
        assert_eq!(wrap("abcdefgh (X)", 4), ["abc…", "(X)"]);
        assert_eq!(wrap("", 4), [""]);
        assert_eq!(wrap("a b c d", 3), ["a b", "c d"]);
    }
}
