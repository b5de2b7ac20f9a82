#!/usr/bin/env python3
"""The comparison driver of issue 13: `layers` against PyTorch (and NumPy's BLAS for W5, and
candle with `--with-candle`), in the same run, alternating, with the machine's state printed
and a Markdown table of ratios.

Run it through `benches/compare/run` (which finds or installs PyTorch first):

    benches/compare/run                    # 5 rounds, every workload
    benches/compare/run --quick            # 2 rounds, W5 at 256/512/1024 only
    benches/compare/run --only w1,w4 --rounds 3
    benches/compare/run --only w1,w2,w4 --rounds 3 --with-candle

Each round runs, for each workload, the `layers` side then the PyTorch side (NumPy too for
W5, candle when built), reversing the order every other round; each side is its own process,
so the peak resident memory is that workload's. The table gives each side's median and range
over the rounds and the median of the per-round ratios, against the issue's targets.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
THREADS = "2"
THREAD_VARS = ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# Unset for the NumPy command only: they pin OpenBLAS to an older kernel on this machine kind.
OPENBLAS_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
WORKLOADS = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"]
SIDE_NAMES = {"layers": "`layers`", "torch": "PyTorch", "numpy": "NumPy", "candle": "candle"}


# Set by `--omp-passive` (a diagnostic, off by default: the figures use no tuning).
OMP_PASSIVE = False


def environment(numpy=False):
    """The environment of every benchmark process: threads pinned to 2, nothing else tuned
    (unless `--omp-passive`); for NumPy, OpenBLAS's core-type pins removed."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = THREADS
    if OMP_PASSIVE:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    if numpy:
        for var in OPENBLAS_PINS:
            env.pop(var, None)
    return env


def sh(cmd, env=None, timeout=120):
    """The stripped stdout of `cmd`, or the error it gave."""
    try:
        out = subprocess.run(cmd, env=env or environment(), capture_output=True, text=True,
                             timeout=timeout)
        return (out.stdout.strip() or out.stderr.strip()) if out.returncode == 0 else (
            f"(failed, exit {out.returncode}: {out.stderr.strip()[-300:]})")
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"(failed: {err})"


def machine_state(py, skip_probe):
    """Prints the CPU, cores, load, threads, torch's and NumPy's kernels and the FMA peak."""
    print("## Machine\n")
    lscpu = sh(["lscpu"])
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                  if line.startswith("Model name")), platform.processor())
    flags = next((line for line in lscpu.splitlines() if line.startswith("Flags")), "")
    simd = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "avx512vnni") if f" {f}" in flags]
    print(f"- CPU: {model}; {os.cpu_count()} logical cores; SIMD: {', '.join(simd)}")
    print(f"- load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"- threads: {', '.join(f'{v}={THREADS}' for v in THREAD_VARS)}, "
          "torch.set_num_threads(2); default malloc, "
          + ("OMP_WAIT_POLICY=PASSIVE (--omp-passive: a diagnostic, not the issue's setting)"
             if OMP_PASSIVE else "no other tuning"))
    if os.getloadavg()[0] > (os.cpu_count() or 1):
        print("- **the load is above the core count**: OpenMP's spinning waits (PyTorch, "
              "OpenBLAS) lose far more to other processes than rayon's do, so the ratios of "
              "this run flatter `layers`; rerun on a quiet machine (or compare with "
              "--omp-passive to see how much)")
    pins = {v: os.environ[v] for v in OPENBLAS_PINS if v in os.environ}
    print(f"- OpenBLAS pins in this environment: {pins or 'none'} "
          "(removed for the NumPy command only)")
    torch_info = sh([py, "-c", "import torch, json; print(json.dumps({"
                     "'torch': torch.__version__, "
                     "'mkldnn': torch.backends.mkldnn.is_available(), "
                     "'cpu_capability': torch.backends.cpu.get_cpu_capability(), "
                     "'threads': (torch.set_num_threads(2), torch.get_num_threads())[1]}))"])
    print(f"- PyTorch: {torch_info}")
    blas = sh([py, "-c", "import numpy, json\n"
               "try:\n"
               "    from threadpoolctl import threadpool_info\n"
               "    info = [{k: i.get(k) for k in ('internal_api', 'version', 'architecture',"
               " 'num_threads', 'filepath')} for i in threadpool_info()"
               " if i.get('user_api') == 'blas']\n"
               "except ImportError:\n"
               "    info = 'threadpoolctl not installed'\n"
               "print(json.dumps({'numpy': numpy.__version__, 'blas_at_run_time': info}))"],
              env=environment(numpy=True))
    print(f"- NumPy (pins removed): {blas}")
    build = sh([py, "-c", "import numpy, json; c = numpy.show_config(mode='dicts');"
                "print(json.dumps(c.get('Build Dependencies', {}).get('blas', {})))"])
    print(f"- NumPy's build BLAS: {build}")
    if skip_probe:
        print("- FMA peak: skipped (--no-probe)")
    elif shutil.which("gcc") is None:
        print("- FMA peak: skipped (no gcc)")
    else:
        exe = ROOT / "target" / "compare" / "clock_probe"
        exe.parent.mkdir(parents=True, exist_ok=True)
        built = sh(["gcc", "-O2", "-funroll-loops", "-mavx512f", "-mfma", "-pthread",
                    str(HERE / "clock_probe.c"), "-o", str(exe)])
        if built.startswith("(failed"):
            print(f"- FMA peak: clock_probe did not compile {built}")
        else:
            print("- FMA peak (benches/compare/clock_probe.c):")
            for line in sh([str(exe)], timeout=300).splitlines():
                print(f"    {line}")
    print()


def build_layers():
    """Builds the `compare` bench once in release; the path of its executable."""
    print("building the `layers` side (cargo bench --bench compare --no-run) …", flush=True)
    cmd = ["cargo", "bench", "--bench", "compare", "--no-run", "--message-format=json"]
    if shutil.which("nice"):
        cmd = ["nice", "-n", "15"] + cmd
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    exe = None
    for line in out.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (msg.get("reason") == "compiler-artifact" and msg.get("executable")
                and msg.get("target", {}).get("name") == "compare"):
            exe = msg["executable"]
    if out.returncode != 0 or exe is None:
        sys.exit(f"cargo failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return exe


def commands(args, exe, py, candle_exe):
    """The command line of each side of each workload, with the workload's options."""
    def opts(w):
        extra = []
        if w == "w5":
            extra += ["--sizes", args.sizes]
        if args.scale != 1.0 and w in ("w1", "w2", "w3", "w6", "w7"):
            default = {"w6": 10_000, "w7": 6_400}.get(w, 60_000)
            extra += ["--samples", str(max(256, int(default * args.scale)))]
        if args.no_shuffle and w in ("w1", "w3", "w6", "w7"):
            extra += ["--no-shuffle"]
        return extra

    script = str(HERE / "torch_bench.py")
    table = {}
    for w in args.only:
        sides = {"layers": [exe, w] + opts(w), "torch": [py, script, w] + opts(w)}
        if w == "w5":
            sides["numpy"] = [py, script, w, "--side", "numpy"] + opts(w)
        if candle_exe:
            sides["candle"] = [candle_exe, w] + opts(w)
        table[w] = sides
    return table


def run_side(cmd, side, timeout):
    """Runs one side of one workload; its JSON result, or {"error": …}."""
    start = time.time()
    try:
        out = subprocess.run(cmd, env=environment(numpy=(side == "numpy")), capture_output=True,
                             text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"error": f"exit {out.returncode}: {out.stderr.strip()[-500:]}"}
    result = json.loads(lines[-1])
    result["wall_s"] = time.time() - start
    return result


# What each row of the table reads, and the target for it.
#   (label, workload, metric, unit, sides compared, kind, target)
# kind "higher": ratio layers/other must be >= target; "lower": <= target;
# "own": layers' own figure must be <= target (W3); None: reported only.
def rows(sizes):
    out = [
        ("W1 train (`fit`, 1 epoch), samples/s", "w1", "samples_per_s", "torch", "higher", 2.0),
        ("W2 `predict_batched` 1024, samples/s", "w2", "samples_per_s", "torch", "higher", 2.0),
        ("W3 custom/built-in epoch time", "w3", "ratio", "torch", "own", 1.02),
        ("W4 batch-1 `predict`, µs", "w4", "us_per_call", "torch", "lower", 0.2),
    ]
    for n in sizes:
        target = 0.9 if n == 1024 else None
        out.append((f"W5 matmul {n}³, GFLOP/s (vs NumPy)", "w5", f"gflops_{n}", "numpy",
                    "higher" if target else None, target))
        out.append((f"W5 matmul {n}³, GFLOP/s (vs torch)", "w5", f"gflops_{n}", "torch", None, None))
    out += [
        ("W6 CNN train, samples/s", "w6", "samples_per_s", "torch", "higher", 1.5),
        ("W7 LSTM train, sequences/s", "w7", "samples_per_s", "torch", "higher", 1.5),
        ("W1 peak RSS, MiB", "w1", "peak_rss_mib", "torch", None, None),
    ]
    return out


def figure(result, metric):
    """One figure of one result, or None."""
    if not result or "error" in result:
        return None
    if metric == "peak_rss_mib":
        kib = result.get("peak_rss_kib")
        return kib / 1024 if kib else None
    return result["metrics"].get(metric)


def fmt(value):
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) >= 1 else f"{value:.3f}"


def spread(values):
    """"median (min–max)" of the rounds' figures."""
    values = [v for v in values if v is not None]
    if not values:
        return "—"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}–{fmt(max(values))})"


def ratio_of_rounds(ours, theirs):
    """The median of the per-round ratios `ours / theirs`, or None."""
    ratios = [a / b for a, b in zip(ours, theirs) if a is not None and b]
    return statistics.median(ratios) if ratios else None


def table(results, sizes, candle):
    """The Markdown table of every row whose workload ran; with `candle`, two more columns:
    candle's figure and `layers` / candle (the median of the per-round ratios)."""
    head = "| workload | `layers` | other side | layers / other (median of rounds) | target | met |"
    rule = "| --- | --- | --- | --- | --- | --- |"
    if candle:
        head += " candle | layers / candle |"
        rule += " --- | --- |"
    lines = [head, rule]
    for label, w, metric, other, kind, target in rows(sizes):
        if w not in results:
            continue
        rounds = results[w]
        ours = [figure(r.get("layers"), metric) for r in rounds]
        theirs = [figure(r.get(other), metric) for r in rounds]
        ratio = ratio_of_rounds(ours, theirs)
        ours_ok = [v for v in ours if v is not None]
        if kind == "own":
            ratio_text, target_text = "—", f"`layers` ≤ {target}"
            met = (statistics.median(ours_ok) <= target) if ours_ok else None
        elif kind is None or ratio is None:
            ratio_text = f"{ratio:.2f}" if ratio is not None else "—"
            target_text, met = ("—", None) if kind is None else (f"{target}", None)
        else:
            ratio_text = f"{ratio:.2f}"
            target_text = f"≥ {target}" if kind == "higher" else f"≤ {target}"
            met = ratio >= target if kind == "higher" else ratio <= target
        met_text = {True: "yes", False: "**no**", None: "—"}[met]
        other_text = f"{SIDE_NAMES[other]}: {spread(theirs)}"
        line = (f"| {label} | {spread(ours)} | {other_text} | {ratio_text} | "
                f"{target_text} | {met_text} |")
        if candle:
            # W5's candle figures once per size (on the PyTorch row); W3's is candle's own
            # custom/built-in ratio, not comparable by division.
            cand = ([None] * len(rounds) if other == "numpy"
                    else [figure(r.get("candle"), metric) for r in rounds])
            cr = None if kind == "own" else ratio_of_rounds(ours, cand)
            line += f" {spread(cand)} | {'—' if cr is None else f'{cr:.2f}'} |"
        lines.append(line)
        if candle and w == "w4" and metric == "us_per_call":
            cand = [figure(r.get("candle"), metric) for r in rounds]
            cr = ratio_of_rounds(ours, cand)
            row = (f"| W4 below candle's, µs | {spread(ours)} | candle: {spread(cand)} | "
                   + (f"{cr:.2f} | < 1 | {'yes' if cr < 1 else '**no**'} |" if cr is not None
                      else "— | < 1 | — |"))
            row += f" {spread(cand)} | {'—' if cr is None else f'{cr:.2f}'} |"
            lines.append(row)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, help="rounds (5; 2 with --quick)")
    parser.add_argument("--only", default=",".join(WORKLOADS), help="e.g. w1,w4")
    parser.add_argument("--quick", action="store_true", help="2 rounds, W5 up to 1024")
    parser.add_argument("--sizes", help="W5 sizes (256,512,1024,2048)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="scale the sample counts of W1–W3, W6, W7 (smoke tests only: "
                             "the issue's figures use 1.0)")
    parser.add_argument("--no-shuffle", action="store_true", help="fit without shuffling")
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the 3-epoch W1 resident-memory run")
    parser.add_argument("--no-probe", action="store_true", help="skip the FMA peak probe")
    parser.add_argument("--with-candle", "--candle", dest="candle", action="store_true",
                        help="also build (cargo, release, once) and run the candle side "
                             "(benches/compare/candle, its own crate); if it does not build, "
                             "the run goes on without it")
    parser.add_argument("--omp-passive", action="store_true",
                        help="diagnostic: OMP_WAIT_POLICY=PASSIVE for every process (keeps "
                             "PyTorch's and OpenBLAS's threads from spinning on a loaded "
                             "machine); not the issue's setting")
    parser.add_argument("--python", default=sys.executable, help="the Python with torch")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per process")
    args = parser.parse_args()
    global OMP_PASSIVE
    OMP_PASSIVE = args.omp_passive
    args.rounds = args.rounds or (2 if args.quick else 5)
    args.sizes = args.sizes or ("256,512,1024" if args.quick else "256,512,1024,2048")
    args.only = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in args.only if w not in WORKLOADS]
    if unknown:
        sys.exit(f"unknown workloads: {unknown}")
    sizes = [int(s) for s in args.sizes.split(",")]

    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"# `layers` vs PyTorch{' and candle' if args.candle else ''} — "
          f"{started:%Y-%m-%d %H:%M} UTC\n")
    machine_state(args.python, args.no_probe)
    exe = build_layers()
    candle_exe, candle_version = build_candle() if args.candle else (None, None)
    if candle_exe:
        print(f"candle side: candle-core {candle_version}, CPU, {candle_exe}")
    plan = commands(args, exe, args.python, candle_exe)

    results = {w: [] for w in plan}
    start_load = os.getloadavg()[0]
    for r in range(args.rounds):
        print(f"round {r + 1}/{args.rounds} (load {os.getloadavg()[0]:.2f})", flush=True)
        for w, sides in plan.items():
            order = list(sides)
            if r % 2 == 1:
                order.reverse()
            outcome = {}
            for side in order:
                outcome[side] = run_side(sides[side], side, args.timeout)
                shown = outcome[side].get("error") or json.dumps(outcome[side]["metrics"])[:160]
                print(f"  {w} {side:7}: {shown}", flush=True)
            results[w].append(outcome)

    memory = None
    if "w1" in plan and not args.no_memory:
        print("W1 over 3 epochs, resident memory after each (one run per side) …", flush=True)
        memory = {side: run_side(cmd + ["--epochs", "3"], side, args.timeout)
                  for side, cmd in plan["w1"].items() if side in ("layers", "torch", "candle")}

    load = os.getloadavg()
    settings = [f"{args.rounds} rounds"]
    if args.scale != 1.0:
        settings.append(f"samples scaled by {args.scale} (smoke test)")
    if args.no_shuffle:
        settings.append("no shuffling")
    if args.omp_passive:
        settings.append("OMP_WAIT_POLICY=PASSIVE")
    print(f"\n## Results: {', '.join(settings)}; "
          f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print(table(results, sizes, candle_exe is not None))
    if max(load[0], start_load) > (os.cpu_count() or 1) and not args.omp_passive:
        print(f"\n**Load above the core count** (1-min average {start_load:.2f} at the start, "
              f"{load[0]:.2f} at the end): PyTorch's and OpenBLAS's spinning threads"
              + (" (and candle's, whose pool's waits spin too)" if candle_exe else "")
              + " lose much more to it than `layers` does, so these ratios flatter `layers`; "
              "see README.md (and `--omp-passive`).")
    if memory:
        print("\nResident memory after each of 3 epochs of W1 (separate `fit` calls), MiB:\n")
        for side, result in memory.items():
            if "error" in result:
                print(f"- {SIDE_NAMES[side]}: {result['error']}")
                continue
            rss = [f"{v / 1024:.0f}" if v else "?" for v in result["metrics"]["rss_kib_after_epoch"]]
            peak = result.get("peak_rss_kib")
            print(f"- {SIDE_NAMES[side]}: {', '.join(rss)} (peak {peak / 1024:.0f})"
                  if peak else f"- {SIDE_NAMES[side]}: {', '.join(rss)}")
    out = ROOT / "target" / "compare" / f"results-{started:%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"started": started.isoformat(), "args": vars(args),
                               "candle_version": candle_version,
                               "results": results, "memory": memory}, indent=1))
    print(f"\nall figures: {out.relative_to(ROOT)}")


def candle_version():
    """candle-core's version in the candle crate's Cargo.lock, or None."""
    lock = HERE / "candle" / "Cargo.lock"
    try:
        lines = lock.read_text().splitlines()
    except OSError:
        return None
    for i, line in enumerate(lines[:-1]):
        if line.strip() == 'name = "candle-core"':
            return lines[i + 1].split('"')[1]
    return None


def build_candle():
    """Builds the optional candle side (its own crate and workspace, outside `layers`', with
    its own target directory) once in release: (its executable, candle-core's version), or
    (None, None) after printing why it did not build."""
    manifest = HERE / "candle" / "Cargo.toml"
    if not manifest.exists():
        print("(no benches/compare/candle crate: the candle side is skipped)")
        return None, None
    print("building the candle side (cargo build --release in benches/compare/candle; the "
          "first build compiles candle, a few minutes) …", flush=True)
    cmd = ["cargo", "build", "--release", "--manifest-path", str(manifest),
           "--message-format=json"]
    if shutil.which("nice"):
        cmd = ["nice", "-n", "15"] + cmd
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    except OSError as err:
        print(f"(the candle side did not build: {err}; going on without it)")
        return None, None
    exe = None
    for line in out.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (msg.get("reason") == "compiler-artifact" and msg.get("executable")
                and msg.get("target", {}).get("name") == "layers-compare-candle"):
            exe = msg["executable"]
    if out.returncode != 0 or exe is None:
        errors = [json.loads(line).get("message", {}).get("rendered", "")
                  for line in out.stdout.splitlines()
                  if line.startswith("{") and '"reason":"compiler-message"' in line
                  and '"level":"error"' in line]
        why = "\n".join(e for e in errors if e) or out.stderr.strip()
        print(f"(the candle side did not build, exit {out.returncode}; going on without it)\n"
              f"{why[-2000:]}")
        return None, None
    return exe, candle_version()


if __name__ == "__main__":
    main()
