#!/usr/bin/env python3
"""The PyTorch side of the comparison (issue 13): the same workloads as `main.rs`, written as
a PyTorch user writes them (nn.Sequential, torch.optim.Adam, F.cross_entropy, a loop over a
randperm for the epoch, torch.inference_mode for inference), one workload per invocation,
one JSON line out: workload, side, metrics, params, peak_rss_kib (VmHWM).

    python3 benches/compare/torch_bench.py w1            # w1 … w7, `--help`
    python3 benches/compare/torch_bench.py w5 --side numpy

Threads: torch.set_num_threads(2) (and the driver sets OMP/MKL/OPENBLAS_NUM_THREADS=2).
`--side numpy` runs W5 with NumPy's matmul (its BLAS, OpenBLAS for the wheels on PyPI).
"""

import argparse
import json
import statistics
import sys
import time


def peak_rss_kib():
    """Peak resident memory of this process so far, in KiB (VmHWM), or None off Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_kib():
    """Resident memory of this process now, in KiB (VmRSS)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def data(torch, samples, sample_shape, seed):
    """Seeded inputs uniform in [0, 1) of shape (samples, *sample_shape) and labels 0..9."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand((samples, *sample_shape), generator=gen)
    y = torch.randint(0, 10, (samples,), generator=gen)
    return x, y


def mlp(nn, activation):
    """784→256→128→10 with `activation()` after both hidden layers, logits out."""
    return nn.Sequential(
        nn.Linear(784, 256), activation(),
        nn.Linear(256, 128), activation(),
        nn.Linear(128, 10),
    )


def epoch(torch, F, model, opt, x, y, batch, shuffle):
    """One training epoch over x, y as a user writes it; its seconds."""
    model.train()
    start = time.perf_counter()
    n = x.shape[0]
    order = torch.randperm(n) if shuffle else None
    for i in range(0, n, batch):
        if order is not None:
            idx = order[i:i + batch]
            xb, yb = x[idx], y[idx]
        else:
            xb, yb = x[i:i + batch], y[i:i + batch]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def train_rate(torch, F, model, x, y, batch, warm, args):
    """Samples per second of one epoch after a warm-up epoch over the first `warm` samples."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(torch, F, model, opt, x[:warm], y[:warm], batch, args.shuffle)
    seconds = epoch(torch, F, model, opt, x, y, batch, args.shuffle)
    n = x.shape[0]
    return ({"samples_per_s": n / seconds, "epoch_s": seconds},
            {"samples": n, "batch": batch, "shuffle": args.shuffle})


def w1(torch, nn, F, args):
    n = args.samples or 60_000
    x, y = data(torch, n, (784,), args.seed)
    torch.manual_seed(args.seed)
    model = mlp(nn, nn.ReLU)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    epoch(torch, F, model, opt, x[:1280], y[:1280], 128, args.shuffle)
    seconds, rss = [], []
    for _ in range(args.epochs):
        seconds.append(epoch(torch, F, model, opt, x, y, 128, args.shuffle))
        rss.append(rss_kib())
    rates = [n / s for s in seconds]
    return ({"samples_per_s": rates[0], "epoch_s": seconds[0],
             "samples_per_s_by_epoch": rates, "rss_kib_after_epoch": rss},
            {"samples": n, "batch": 128, "epochs": args.epochs, "shuffle": args.shuffle})


def w2(torch, nn, F, args):
    n = args.samples or 60_000
    x, _ = data(torch, n, (784,), args.seed)
    torch.manual_seed(args.seed)
    model = mlp(nn, nn.ReLU).eval()
    seconds = []
    with torch.inference_mode():
        for i in range(0, 2048, 1024):
            model(x[i:i + 1024])
        for _ in range(args.reps or 3):
            start = time.perf_counter()
            out = torch.cat([model(x[i:i + 1024]) for i in range(0, n, 1024)])
            seconds.append(time.perf_counter() - start)
            assert out.shape == (n, 10)
    return ({"samples_per_s": n / statistics.median(seconds),
             "samples_per_s_by_rep": [n / s for s in seconds]},
            {"samples": n, "batch": 1024})


def w3(torch, nn, F, args):
    class LeakyModule(nn.Module):
        def forward(self, x):
            return torch.maximum(0.1 * x, x)

    n = args.samples or 60_000
    x, y = data(torch, n, (784,), args.seed)
    torch.manual_seed(args.seed)
    builtin = mlp(nn, nn.ReLU)
    custom = mlp(nn, LeakyModule)
    opt_b = torch.optim.Adam(builtin.parameters(), lr=1e-3)
    opt_c = torch.optim.Adam(custom.parameters(), lr=1e-3)
    epoch(torch, F, builtin, opt_b, x[:1280], y[:1280], 128, args.shuffle)
    epoch(torch, F, custom, opt_c, x[:1280], y[:1280], 128, args.shuffle)
    bs, cs = [], []
    for rep in range(args.reps or 3):
        pair = [(bs, builtin, opt_b), (cs, custom, opt_c)]
        if rep % 2 == 1:
            pair.reverse()
        for out, model, opt in pair:
            out.append(epoch(torch, F, model, opt, x, y, 128, args.shuffle))
    c, b = statistics.median(cs), statistics.median(bs)
    return ({"ratio": c / b, "custom_epoch_s": c, "builtin_epoch_s": b,
             "custom_epoch_s_all": cs, "builtin_epoch_s_all": bs},
            {"samples": n, "batch": 128, "shuffle": args.shuffle})


def w4(torch, nn, F, args):
    x, _ = data(torch, 1, (784,), args.seed)
    torch.manual_seed(args.seed)
    model = mlp(nn, nn.ReLU).eval()
    with torch.inference_mode():
        for _ in range(1000):
            model(x)
        start = time.perf_counter()
        for _ in range(args.calls):
            model(x)
        seconds = time.perf_counter() - start
    return ({"us_per_call": seconds * 1e6 / args.calls}, {"calls": args.calls})


def gemm_rates(make, matmul, sizes, reps):
    """GFLOP/s of `matmul` at each size: median and best of at least `reps` products
    (more for small sizes, until 0.3 s), after 2 warm-ups."""
    metrics = {}
    for n in sizes:
        a, b = make(n, 0), make(n, 1)
        matmul(a, b)
        matmul(a, b)
        seconds = []
        while len(seconds) < reps or (sum(seconds) < 0.3 and len(seconds) < 1000):
            start = time.perf_counter()
            matmul(a, b)
            seconds.append(time.perf_counter() - start)
        flop = 2.0 * n ** 3
        metrics[f"gflops_{n}"] = flop / statistics.median(seconds) / 1e9
        metrics[f"gflops_best_{n}"] = flop / min(seconds) / 1e9
        metrics[f"reps_{n}"] = len(seconds)
    return metrics


def w5_torch(torch, args):
    gen = torch.Generator().manual_seed(args.seed)
    make = lambda n, _: torch.rand((n, n), generator=gen) * 2 - 1  # noqa: E731
    with torch.inference_mode():
        metrics = gemm_rates(make, torch.matmul, args.sizes, args.reps or 5)
    return metrics, {"sizes": args.sizes}


def w5_numpy(args):
    import numpy as np
    rng = np.random.default_rng(args.seed)
    make = lambda n, _: (rng.random((n, n), dtype=np.float32) * 2 - 1)  # noqa: E731
    metrics = gemm_rates(make, np.matmul, args.sizes, args.reps or 5)
    params = {"sizes": args.sizes}
    try:
        from threadpoolctl import threadpool_info
        params["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "architecture",
                                                   "num_threads")}
                          for i in threadpool_info() if i.get("user_api") == "blas"]
    except ImportError:
        pass
    return metrics, params


def w6(torch, nn, F, args):
    n = args.samples or 10_000
    x, y = data(torch, n, (1, 28, 28), args.seed)
    torch.manual_seed(args.seed)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 10),
    )
    return train_rate(torch, F, model, x, y, 64, 5 * 64, args)


def w7(torch, nn, F, args):
    class LastStep(nn.Module):
        """An LSTM's output at the last step (what Keras's return_sequences=False gives)."""

        def forward(self, out):
            return out[0][:, -1]

    n = args.samples or 6_400
    x, y = data(torch, n, (32, 64), args.seed)
    torch.manual_seed(args.seed)
    model = nn.Sequential(nn.LSTM(64, 128, batch_first=True), LastStep(), nn.Linear(128, 10))
    return train_rate(torch, F, model, x, y, 64, 3 * 64, args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=[f"w{i}" for i in range(1, 8)])
    parser.add_argument("--side", choices=["torch", "numpy"], default="torch")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--reps", type=int)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--no-shuffle", dest="shuffle", action="store_false")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.sizes = [int(s) for s in args.sizes.split(",")]

    if args.side == "numpy":
        if args.workload != "w5":
            sys.exit("--side numpy is for w5 only")
        metrics, params = w5_numpy(args)
    else:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        torch.set_num_threads(2)
        if args.workload == "w5":
            metrics, params = w5_torch(torch, args)
        else:
            run = {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "w6": w6, "w7": w7}[args.workload]
            metrics, params = run(torch, nn, F, args)
        params["torch"] = torch.__version__
        params["threads"] = torch.get_num_threads()
    print(json.dumps({"workload": args.workload, "side": args.side, "metrics": metrics,
                      "params": params, "peak_rss_kib": peak_rss_kib()}))


if __name__ == "__main__":
    main()
