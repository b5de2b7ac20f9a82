#!/usr/bin/env python3
"""Loads a `layers` model's weights with NumPy and the `safetensors` package, recomputes
`predict` in NumPy and compares with the Rust output (max abs error <= 1e-5).

Usage: check_weights.py DIR, where DIR holds what `cargo run --example weights_for_python -- DIR`
wrote: model.safetensors, model.json (the model's config), inputs.json and outputs.json.
Needs `pip install numpy safetensors`; `.ci/run` installs them in a virtual environment.
"""
import json
import sys
from pathlib import Path

import numpy as np
import safetensors
from safetensors import safe_open
from safetensors.numpy import load_file

TOLERANCE = 1e-5


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "softmax": softmax,
}


def main(directory):
    d = Path(directory)
    weights_path = d / "model.safetensors"
    tensors = load_file(weights_path)
    with safe_open(weights_path, framework="np") as f:
        metadata = f.metadata()
    assert metadata["format"] == "layers.weights", metadata
    assert metadata["format_version"] == "1", metadata
    assert "layers_version" in metadata, metadata
    for name, t in tensors.items():
        assert t.dtype == np.float32, (name, t.dtype)

    config = json.loads((d / "model.json").read_text())
    x = np.array(json.loads((d / "inputs.json").read_text()), dtype=np.float32)
    expected = np.array(json.loads((d / "outputs.json").read_text()), dtype=np.float32)

    # Recompute in float64 from the float32 weights: an independent reference.
    h = x.astype(np.float64)
    used = set()
    for layer in config["layers"]:
        assert layer["class_name"] == "Dense", layer
        name, cfg = layer["name"], layer["config"]
        kernel = tensors[f"{name}.kernel"]
        assert kernel.shape == (h.shape[1], cfg["units"]), (name, kernel.shape)
        h = h @ kernel.astype(np.float64)
        used.add(f"{name}.kernel")
        if cfg["use_bias"]:
            h = h + tensors[f"{name}.bias"].astype(np.float64)
            used.add(f"{name}.bias")
        h = ACTIVATIONS[cfg["activation"]](h)
    assert used == set(tensors), f"tensors not used: {sorted(set(tensors) - used)}"

    error = float(np.max(np.abs(h - expected.astype(np.float64))))
    print(
        f"{len(tensors)} float32 tensors written by layers {metadata['layers_version']} "
        f"({', '.join(sorted(tensors))}), read with safetensors {safetensors.__version__}; "
        f"predict on {x.shape[0]} samples recomputed with NumPy {np.__version__}: "
        f"max abs error {error:.2e} (tolerance {TOLERANCE:g})"
    )
    if not error <= TOLERANCE:
        sys.exit(f"max abs error {error} exceeds {TOLERANCE}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
