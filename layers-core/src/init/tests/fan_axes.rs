//! `Initializer::with_fan_axes`: Keras 3's `EinsumDense` fans.

use crate::init::Initializer;

#[test]
fn fan_axes_give_keras_einsum_fans() {
    // Keras 3's EinsumDense: a (features, heads, units) kernel has fan_in = features and
    // fan_out = heads · units; (heads, units, out) has fan_in = heads · units.
    let glorot = Initializer::glorot_uniform();
    for (shape, input_axes, fan_in, fan_out) in [
        ([40usize, 4, 8], 1, 40.0f64, 32.0f64),
        ([4, 8, 40], 2, 32.0, 40.0),
    ] {
        let limit = (6.0 / (fan_in + fan_out)).sqrt() as f32;
        let w = glorot
            .clone()
            .with_fan_axes(input_axes)
            .sample_seeded(&shape, 3)
            .unwrap();
        let max = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(
            max <= limit && max > 0.99 * limit,
            "{shape:?}: {max} vs {limit}"
        );
        // he_normal divides by fan_in only: stddev sqrt(2 / fan_in) before truncation
        let he = Initializer::he_normal().with_fan_axes(input_axes);
        let w = he.sample_seeded(&shape, 4).unwrap();
        let bound = 2.0 * (2.0 / fan_in).sqrt() / 0.879_625_660_034_239_8;
        let max = w.iter().fold(0.0f32, |m, x| m.max(x.abs())) as f64;
        assert!(
            max <= bound * 1.000_001 && max > 0.9 * bound,
            "{max} vs {bound}"
        );
    }
    // Other initializers ignore the axes; orthogonal keeps its rank check.
    let normal = Initializer::random_normal();
    assert_eq!(
        normal
            .clone()
            .with_fan_axes(1)
            .sample_seeded(&[5, 2, 3], 9)
            .unwrap(),
        normal.sample_seeded(&[5, 2, 3], 9).unwrap()
    );
    assert!(
        Initializer::orthogonal()
            .with_fan_axes(1)
            .sample_seeded(&[5], 0)
            .is_err()
    );
    // Axes again replace the first ones; the name and config are the initializer's.
    let twice = glorot.clone().with_fan_axes(2).with_fan_axes(1);
    assert_eq!(twice, glorot.clone().with_fan_axes(1));
    assert_eq!(twice.name(), "glorot_uniform");
    assert!(twice.validate().is_ok());
}
