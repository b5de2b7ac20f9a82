"""Keras 3's automatic layer names (`to_snake_case` of the class name), pinned in
`layers-core/src/layer/mod.rs` (`snake_case_matches_keras`).

Run: KERAS_BACKEND=jax /work/wt/keras-venv/bin/python tests/reference/keras_snake_case.py
"""

from keras.src.utils.naming import to_snake_case

NAMES = [
    "Dense", "CustomDense", "ReLU", "Conv2D", "GELU", "LeakyReLU", "Block2Dense",
    "MLP2Block", "Conv2DTranspose", "GlobalAveragePooling1D", "PReLU", "ABcDe", "XAbCd",
    "HTTPServer2X", "A", "", "Audit3Twice", "LSTM", "BatchNormalization",
]

for name in NAMES:
    print(f"assert_eq!(snake_case({name!r}), {to_snake_case(name)!r});".replace("'", '"'))
