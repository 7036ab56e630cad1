"""One MLP training step on the GPU: dualdiff on CuPy against hand-written CuPy (the limit),
torch eager on CUDA and jax.jit on the GPU, all in float32 with TF32 disabled.

    python -m benchmarks.gpu                 # or: python benchmarks/gpu.py
    python -m benchmarks.gpu --reps 9 --min-time 0.2 --sizes 4096

The step is one SGD step of a ReLU MLP with softmax cross-entropy (W3's problem,
``benchmarks/problems.py``): 784-1024-1024-10 at batch 256 and 4096-4096-4096-10 at batch
4096. Every variant first takes one step from the problem's parameters, checked against a
float64 step of the hand-written code; then the variants are timed in rounds, each round
timing every variant once (a run of steps, then a CUDA synchronisation). The figures are
medians over the rounds, and the ratio is to the hand-written CuPy time of the same round.
Peers are measured when installed. Without a GPU (no CuPy, or CuPy finds no device) the
script says so and exits 0.
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: python benchmarks/gpu.py
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import dd_cases, peer_cases
from benchmarks import problems as P
from benchmarks.cases import Skip

SIZES = {"784": ((784, 1024, 1024, 10), 256), "4096": ((4096, 4096, 4096, 10), 4096)}
TOL = 1e-3  # float32 against float64: about 1e-6 without TF32 (TF32 would give about 1e-3)

# A built variant: (step, wait until the device is done, the parameters as NumPy arrays)
Built = tuple[Callable[[], Any], Callable[[], None], Callable[[], list[np.ndarray]]]


def find_gpu() -> Any:
    """CuPy when it is installed and finds a GPU, else None."""
    try:
        import cupy
    except ImportError:
        return None
    try:
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except cupy.cuda.runtime.CUDARuntimeError:  # no driver, or no device it can use
        return None


@functools.lru_cache(maxsize=2)
def _host_problem(layers: tuple[int, ...], batch: int, dtype: str) -> dict:
    """W3's problem (softmax cross-entropy), drawn once per size (nobody writes into it)."""
    return P.w3_problem(layers, batch, "ce", dtype)


def problem(xp: Any, layers: tuple[int, ...], batch: int, dtype: str = "float32") -> dict:
    """W3's problem with copies of its arrays in ``xp``; the NumPy originals are kept
    under ``host``."""
    host = _host_problem(layers, batch, dtype)
    moved = {k: xp.array(host[k]) for k in ("x", "y", "labels")}
    return {"params": [xp.array(p) for p in host["params"]], **moved, "loss": "ce", "host": host}


def to_host(a: Any) -> np.ndarray:
    """A NumPy copy of a NumPy or CuPy array (CuPy's ``get`` copies from the GPU)."""
    return np.array(a.get() if hasattr(a, "get") else a)


def reference(xp: Any, layers: tuple[int, ...], batch: int) -> list[np.ndarray]:
    """The change of every parameter in one hand-written step, in float64 on ``xp``."""
    prob = problem(xp, layers, batch, "float64")
    before = [to_host(p) for p in prob["params"]]
    P.w3_limit_factory(prob["params"], prob["x"], prob["y"], "ce", xp=xp)()
    return [to_host(p) - b for p, b in zip(prob["params"], before, strict=True)]


# --- the variants ----------------------------------------------------------------------------


def _hand_written(xp: Any, prob: dict) -> Built:
    params = prob["params"]
    step = P.w3_limit_factory(params, prob["x"], prob["y"], "ce", xp=xp)
    return step, _waiter(xp), lambda: [to_host(p) for p in params]


def _dualdiff(builder: Any) -> Callable[[Any, dict], Built]:
    """A variant of ``benchmarks/dd_cases.py`` (value_and_grad, dd.compile) on ``xp``."""

    def build(xp: Any, prob: dict) -> Built:
        step, params = builder(prob)
        return step, _waiter(xp), lambda: [to_host(p) for p in params()]

    return build


def _module(xp: Any, prob: dict) -> Built:
    """``dd.nn.MLP(..., xp=xp)``, ``dd.optim.SGD`` and ``dd.nn.cross_entropy`` on labels."""
    import dualdiff as dd

    host = prob["host"]["params"]
    layers = [host[0].shape[0]] + [w.shape[1] for w in host[::2]]
    model = dd.nn.MLP(layers, rng=0, dtype=host[0].dtype, xp=xp)
    model.load_state_dict(dict(zip(model.state_dict(), host, strict=True)))
    opt = dd.optim.SGD(model.parameters(), lr=P.W3_LR)
    x, labels = prob["x"], prob["labels"]

    def step() -> Any:
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    return step, _waiter(xp), lambda: [to_host(p.value) for p in model.parameters()]


def _torch(xp: Any, prob: dict) -> Built:
    torch = peer_cases.need("torch")
    if not torch.cuda.is_available():
        raise Skip("torch has no CUDA device (a CPU build?)")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    step, params = peer_cases._w3_torch(prob["host"], device="cuda")
    return step, torch.cuda.synchronize, params


def _jax(xp: Any, prob: dict) -> Built:
    jax = peer_cases.need("jax")
    if jax.default_backend() not in ("gpu", "cuda"):
        raise Skip(f"jax runs on {jax.default_backend()}, not the GPU (jax[cuda12] is needed)")
    jax.config.update("jax_default_matmul_precision", "highest")  # float32 matmuls, no TF32
    jnp = jax.numpy
    loss = peer_cases._mlp(jnp, jax.nn.relu, lambda h: jax.nn.log_softmax(h, axis=-1), "ce")

    @jax.jit
    def sgd(params: Any, x: Any, y: Any) -> Any:
        grads = jax.grad(loss)(params, x, y)
        return [p - P.W3_LR * g for p, g in zip(params, grads, strict=True)]

    host = prob["host"]
    state = [[jnp.asarray(p) for p in host["params"]]]
    x, y = jnp.asarray(host["x"]), jnp.asarray(host["y"])

    def step() -> None:
        state[0] = sgd(state[0], x, y)  # dispatched without waiting, like the others

    return step, lambda: jax.block_until_ready(state[0]), lambda: [np.asarray(p) for p in state[0]]


def _waiter(xp: Any) -> Callable[[], None]:
    """Wait for the GPU (CuPy), or nothing to wait for (NumPy)."""
    cuda = getattr(xp, "cuda", None)
    return cuda.runtime.deviceSynchronize if cuda is not None else lambda: None


LIMIT = "hand-written CuPy (preallocated)"
VARIANTS: dict[str, Callable[[Any, dict], Built]] = {
    LIMIT: _hand_written,
    "dualdiff value_and_grad + in-place SGD": _dualdiff(dd_cases._w3_functional),
    "dualdiff dd.compile + in-place SGD": _dualdiff(dd_cases._w3_transformed("compile")),
    "dualdiff nn.MLP + optim.SGD": _module,
    "torch eager (CUDA)": _torch,
    "jax.jit (GPU)": _jax,
}


# --- measuring -------------------------------------------------------------------------------


def build(xp: Any, layers: tuple[int, ...], batch: int, ref: list[np.ndarray]) -> dict:
    """Each variant built on a fresh problem, stepped once and checked against ``ref``:
    name -> (built, error), or name -> the reason it was not measured."""
    out: dict[str, Any] = {}
    for name, make in VARIANTS.items():
        try:
            prob = problem(xp, layers, batch)
            built = make(xp, prob)
            before = prob["host"]["params"]
            built[0]()
            built[1]()
            err = P.w3_update_error(before, built[2](), ref)
            if not err <= TOL:
                raise AssertionError(f"one step differs from the reference: rel err {err:.2g}")
            out[name] = (built, err)
        except Skip as why:
            out[name] = f"skipped: {why}"
        except Exception as why:
            traceback.print_exc()
            out[name] = f"failed: {type(why).__name__}: {str(why)[:160]}"
    return out


def _seconds(built: Built, number: int) -> float:
    """Seconds per step over ``number`` steps, from an idle device to an idle device."""
    step, wait, _ = built
    wait()
    t0 = time.perf_counter()
    for _ in range(number):
        step()
    wait()
    return (time.perf_counter() - t0) / number


def measure(
    variants: dict, reps: int, min_time: float, until: float = math.inf
) -> dict[str, dict[str, float]]:
    """Median seconds per step and median ratio to the limit of the same round, over
    ``reps`` rounds, or fewer where ``time.monotonic()`` passes ``until`` (one at least)."""
    ready = {name: v[0] for name, v in variants.items() if isinstance(v, tuple)}
    numbers = {n: max(1, int(min_time / _seconds(b, 1))) for n, b in ready.items()}
    rounds: dict[str, list[float]] = {n: [] for n in ready}
    ratios: dict[str, list[float]] = {n: [] for n in ready}
    for r in range(reps):
        if r and time.monotonic() > until:
            print(f"(time is up: {r} rounds of {reps})", file=sys.stderr)
            break
        times = {n: _seconds(b, numbers[n]) for n, b in ready.items()}
        for n, t in times.items():
            rounds[n].append(t)
            if LIMIT in times:
                ratios[n].append(t / times[LIMIT])
    return {
        n: {"s": statistics.median(rounds[n]), "ratio": statistics.median(ratios[n] or [0.0])}
        for n in ready
    }


def table(label: str, variants: dict, figures: dict) -> list[str]:
    """Markdown rows: variant, ms per step, x hand-written CuPy, error of one step."""
    rows = []
    for name, v in variants.items():
        if isinstance(v, str):
            rows.append(f"| {label} | {name} | | | {v} |")
            continue
        f = figures[name]
        ratio = "1 (the limit)" if name == LIMIT else f"{f['ratio']:.2f}x"
        rows.append(f"| {label} | {name} | {1e3 * f['s']:.3f} | {ratio} | {v[1]:.1e} |")
    return rows


def _no_tf32() -> None:
    """TF32 off for every library, set before any of them starts CUDA."""
    os.environ["CUPY_TF32"] = "0"
    os.environ["NVIDIA_TF32_OVERRIDE"] = "0"  # cuBLAS and cuDNN, whoever calls them
    os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"  # jax leaves memory to the others


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="784,4096", help="which MLPs: 784, 4096 or both")
    parser.add_argument("--reps", type=int, default=7, help="timed rounds (the median is kept)")
    parser.add_argument("--min-time", type=float, default=0.1, help="seconds per timed run")
    parser.add_argument(
        "--budget", type=float, default=240.0, help="seconds after which no round starts"
    )
    args = parser.parse_args(argv)
    until = time.monotonic() + args.budget
    _no_tf32()
    cp = find_gpu()
    if cp is None:
        print("no GPU: CuPy is not installed or finds no CUDA device; nothing was measured")
        return 0
    name = cp.cuda.runtime.getDeviceProperties(0)["name"]
    name = name.decode() if isinstance(name, bytes) else name
    print(f"{name}, CuPy {cp.__version__}, float32, TF32 off\n")
    print("| MLP, batch | variant | ms per step | x hand-written CuPy | error of one step |")
    print("|---|---|---|---|---|")
    for key in args.sizes.split(","):
        layers, batch = SIZES[key]
        label = f"{'-'.join(map(str, layers))}, batch {batch}"
        variants = build(cp, layers, batch, reference(cp, layers, batch))
        figures = measure(variants, args.reps, args.min_time, until)
        print("\n".join(table(label, variants, figures)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
