"""MLPs trained on the GPU with CuPy: the digits classifier, and a 4096-wide network.

The code is NumPy-style dualdiff code with one change: the model is built with
``xp=cupy``, so its parameters, the optimizer's buffers and every gradient live on the
GPU, and ``dd.nn.fit`` copies the data there once. Both functions below take the array
namespace as an argument (NumPy, CuPy, ``array_api_strict`` ...) and compute the same
thing on each. Without CuPy, or when CuPy finds no GPU, the script says so and exits 0.

    pip install "dualdiff-ad[gpu,data]"      # CuPy for CUDA 12, scikit-learn's digits
    python examples/gpu_mlp.py
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import dualdiff as dd


def gpu_namespace() -> tuple[Any, str]:
    """``(cupy, device name)`` when CuPy finds a GPU, else ``(None, why not)``."""
    try:
        import cupy
    except ImportError:
        return None, 'CuPy is not installed (pip install "dualdiff-ad[gpu]")'
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except cupy.cuda.runtime.CUDARuntimeError as err:
        return None, f"CuPy finds no CUDA driver or device ({err})"
    if count == 0:
        return None, "CuPy finds no CUDA device"
    name = cupy.cuda.runtime.getDeviceProperties(0)["name"]
    return cupy, name.decode() if isinstance(name, bytes) else str(name)


def digits(xp: Any, epochs: int = 20, seed: int = 0) -> dict[str, Any]:
    """examples/digits.py's 64-256-10 GELU MLP, in float32, with its parameters in ``xp``."""
    X, y = dd.data.load_digits()
    X_train, X_test, y_train, y_test = dd.data.train_test_split(X, y, test_size=0.25, rng=0)
    model = dd.nn.MLP([64, 256, 10], activation="gelu", rng=seed, dtype=np.float32, xp=xp)
    steps = epochs * -(-len(X_train) // 32)
    opt = dd.optim.AdamW(model.parameters(), lr=dd.optim.CosineDecay(2e-3, steps))
    start = time.perf_counter()
    history = dd.nn.fit(
        model,
        dd.nn.cross_entropy,
        opt,
        (X_train.astype(np.float32), y_train),
        epochs,
        val_data=(X_test.astype(np.float32), y_test),
        batch_size=32,
        rng=seed,
        metrics={"accuracy": dd.nn.accuracy},
    )
    seconds = time.perf_counter() - start
    return {"test_accuracy": history["val_accuracy"][-1], "history": history, "seconds": seconds}


def wide(
    xp: Any, width: int = 4096, batch: int = 4096, steps: int = 20, seed: int = 0
) -> dict[str, Any]:
    """A width-width-width-10 ReLU MLP learning the labels a random linear teacher gives
    to random inputs: SGD with momentum, softmax cross-entropy, one batch, float32."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((batch, width), dtype=np.float32)
    labels = np.argmax(X @ rng.standard_normal((width, 10), dtype=np.float32), axis=1)
    X, labels = xp.asarray(X), xp.asarray(labels)
    model = dd.nn.MLP([width, width, width, 10], rng=seed, dtype=np.float32, xp=xp)
    opt = dd.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def step() -> Any:
        opt.zero_grad()
        with dd.Tape():
            loss = dd.nn.cross_entropy(model(X), labels)
        loss.backward()
        opt.step()
        return loss.value  # kept on the device: the loop does not wait for the GPU

    losses = [float(step())]  # the first step compiles CuPy's kernels: time the others
    start = time.perf_counter()
    losses += [step() for _ in range(steps - 1)]
    losses = [float(v) for v in losses]  # reading them waits for every step
    seconds = time.perf_counter() - start
    return {"losses": losses, "ms_per_step": 1e3 * seconds / max(1, steps - 1)}


def main(epochs: int = 20, steps: int = 20) -> dict[str, Any]:
    cupy, device = gpu_namespace()
    if cupy is None:
        print(f"no GPU: {device}; nothing to train here (examples/digits.py runs on the CPU)")
        return {}
    print(f"training on {device} with CuPy {cupy.__version__}")
    small = digits(cupy, epochs)
    print(
        f"digits, MLP 64-256-10: {epochs} epochs in {small['seconds']:.1f} s, "
        f"test accuracy {small['test_accuracy']:.4f}"
    )
    big = wide(cupy, steps=steps)
    print(
        f"MLP 4096-4096-4096-10, batch 4096: {big['ms_per_step']:.1f} ms per step, "
        f"loss {big['losses'][0]:.3f} -> {big['losses'][-1]:.3f} in {steps} steps"
    )
    return {"digits": small, "wide": big}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20, help="epochs of the digits MLP")
    parser.add_argument("--steps", type=int, default=20, help="steps of the 4096-wide MLP")
    args = parser.parse_args()
    main(args.epochs, args.steps)
