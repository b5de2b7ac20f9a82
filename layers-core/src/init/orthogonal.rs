//! Keras's orthogonal initializer: the Q factor of a normal matrix, by Householder QR in `f64`.
//!
//! Multiplying Q by `sign(diag(R))` makes the factorization the unique one with a positive
//! diagonal in R, which is what makes Q uniformly (Haar) distributed rather than biased by the
//! sign conventions of the QR routine.

use rand::rngs::StdRng;
use rand_distr::{Distribution as _, StandardNormal};

/// Values of a `gain`-scaled random orthogonal matrix of shape `shape`, row-major.
///
/// Follows Keras: rows = product of all dimensions but the last, cols = the last; a normal
/// matrix of shape `(max(rows, cols), min(rows, cols))` is drawn (row by row), factored, and
/// Q is transposed when rows < cols. The caller has checked that the rank is at least 2.
pub(super) fn sample(shape: &[usize], gain: f32, rng: &mut StdRng) -> Vec<f32> {
    let (cols, outer) = shape.split_last().map_or((1, &[][..]), |(&c, o)| (c, o));
    let rows: usize = outer.iter().product();
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let (m, n) = (rows.max(cols), rows.min(cols));
    let mut a = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            a[j * m + i] = StandardNormal.sample(rng);
        }
    }
    let (q, _) = positive_qr(a, m, n);
    let gain = f64::from(gain);
    if rows >= cols {
        // Output (rows, cols) = Q (m, n): element (i, j) is q[j * m + i].
        (0..rows * cols)
            .map(|k| (gain * q[(k % cols) * m + k / cols]) as f32)
            .collect()
    } else {
        // Output (rows, cols) = Qᵀ (n, m): element (i, j) is Q's (j, i), at q[i * m + j],
        // so Q's column-major buffer is already Qᵀ in row-major order.
        q.iter().map(|&x| (gain * x) as f32).collect()
    }
}

/// Thin QR of the column-major `m × n` matrix `a` (`m >= n`) with a non-negative diagonal in R.
///
/// Returns `(q, r)`, both column-major: Q is `m × n` with orthonormal columns, R is `n × n`
/// upper triangular, `a = QR`. Each Householder reflection `H = I - 2vvᵀ` maps the current
/// column onto `alpha·e1` with `alpha = -sign(x0)·‖x‖`, the choice that avoids cancellation;
/// the signs are then moved so that R's diagonal is non-negative (a zero diagonal entry
/// counts as positive).
pub(super) fn positive_qr(mut a: Vec<f64>, m: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    debug_assert!(m >= n && a.len() == m * n);
    // Unit Householder vectors; v_k acts on rows k.. and is empty when H_k = I.
    let mut reflectors: Vec<Vec<f64>> = Vec::with_capacity(n);
    for k in 0..n {
        let x = &a[k * m + k..(k + 1) * m];
        let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm == 0.0 {
            reflectors.push(Vec::new());
            continue;
        }
        let alpha = if x[0] >= 0.0 { -norm } else { norm };
        let mut v = x.to_vec();
        v[0] -= alpha;
        let v_norm = v.iter().map(|t| t * t).sum::<f64>().sqrt();
        v.iter_mut().for_each(|t| *t /= v_norm);
        for j in k..n {
            reflect(&v, &mut a[j * m + k..(j + 1) * m]);
        }
        // Exact values instead of rounding noise below the diagonal.
        a[k * m + k] = alpha;
        a[k * m + k + 1..(k + 1) * m].fill(0.0);
        reflectors.push(v);
    }

    // Q = H_0 H_1 … H_{n-1} applied to the first n columns of I, last reflection first.
    // Columns j < k are still e_j there, which H_k leaves alone.
    let mut q = vec![0.0; m * n];
    for j in 0..n {
        q[j * m + j] = 1.0;
    }
    for (k, v) in reflectors.iter().enumerate().rev() {
        if v.is_empty() {
            continue;
        }
        for j in k..n {
            reflect(v, &mut q[j * m + k..(j + 1) * m]);
        }
    }

    let mut r = vec![0.0; n * n];
    for j in 0..n {
        r[j * n..j * n + j + 1].copy_from_slice(&a[j * m..j * m + j + 1]);
    }
    for k in 0..n {
        if r[k * n + k] < 0.0 {
            // Q·D and D·R with D = diag(sign(diag R)): column k of Q, row k of R.
            q[k * m..(k + 1) * m].iter_mut().for_each(|t| *t = -*t);
            for j in k..n {
                r[j * n + k] = -r[j * n + k];
            }
        }
    }
    (q, r)
}

/// `x ← (I - 2vvᵀ) x` for a unit vector `v`.
fn reflect(v: &[f64], x: &mut [f64]) {
    let s = 2.0 * v.iter().zip(x.iter()).map(|(a, b)| a * b).sum::<f64>();
    x.iter_mut().zip(v).for_each(|(t, &vi)| *t -= s * vi);
}
