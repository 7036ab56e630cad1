"""A digits classifier: scikit-learn's 8x8 handwritten digits, an MLP, softmax cross-entropy.

1797 images split 75/25 with a fixed seed (1347 to train, 450 to test). The
network is 64-256-10 with GELU, trained by AdamW with a cosine learning-rate
schedule in mini-batches of 32; it reaches about 98% test accuracy.
Needs the ``data`` extra (scikit-learn, whose copy of the data set is bundled:
no download).

    python examples/digits.py --out-dir figures
    python examples/digits.py --compile     # each step as one dd.compile'd function
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import save_curve

import dualdiff as dd


def main(
    epochs: int = 40,
    hidden: int = 256,
    lr: float = 2e-3,
    batch_size: int = 32,
    seed: int = 0,
    out_dir: str | Path | None = None,
    compile: bool = False,
) -> dict[str, Any]:
    X, y = dd.data.load_digits()
    X_train, X_test, y_train, y_test = dd.data.train_test_split(X, y, test_size=0.25, rng=0)
    model = dd.nn.MLP([64, hidden, 10], activation="gelu", rng=seed)
    steps = epochs * -(-len(X_train) // batch_size)
    opt = dd.optim.AdamW(model.parameters(), lr=dd.optim.CosineDecay(lr, steps))
    start = time.perf_counter()
    out: dict[str, Any] = {}
    if compile:
        out["step"] = step = compiled_step(model)
        history = train(step, model, opt, (X_train, y_train), (X_test, y_test), epochs, batch_size)
        print(f"dd.compile: {step.recordings} recording(s), {step.replays} replays")
    else:
        history = dd.nn.fit(
            model,
            dd.nn.cross_entropy,
            opt,
            (X_train, y_train),
            epochs,
            val_data=(X_test, y_test),
            batch_size=batch_size,
            rng=seed,
            metrics={"accuracy": dd.nn.accuracy},
        )
    seconds = time.perf_counter() - start
    test_acc = dd.nn.accuracy(model(X_test).value, y_test)
    print(f"{model.num_parameters()} parameters, {epochs} epochs in {seconds:.1f} s")
    print(
        f"train accuracy {history['accuracy'][-1]:.4f}, test accuracy {test_acc:.4f} "
        f"({round((1 - test_acc) * len(y_test))} of {len(y_test)} test digits wrong)"
    )
    curves = {"train": history["loss"], "test": history["val_loss"]}
    save_curve(curves, out_dir, "digits.png", "digits, MLP 64-256-10", True)
    return {**out, "test_accuracy": test_acc, "history": history, "seconds": seconds}


def compiled_step(model: dd.nn.Module) -> dd.Compiled:
    """The loss (with the logits beside it) and its gradient with respect to the model's
    parameters, as one compiled function of (parameter values, images, integer labels)."""
    names = [name for name, _ in model.named_parameters()]

    def loss(values: list[np.ndarray], images: np.ndarray, labels: np.ndarray) -> Any:
        with model.with_parameters(dict(zip(names, values, strict=True))):
            logits = model(images)
        return dd.nn.cross_entropy(logits, labels), logits

    return dd.compile(loss, has_aux=True)


def train(
    step: dd.Compiled,
    model: dd.nn.Module,
    opt: Any,
    data: tuple[np.ndarray, np.ndarray],
    val_data: tuple[np.ndarray, np.ndarray],
    epochs: int,
    batch_size: int,
    seed: int = 0,
) -> dict[str, list[float]]:
    """fit's loop with a compiled step: every mini-batch (the short last one is dropped, so
    that all have one shape) replays the recording on new images and labels."""
    params, rng = model.parameters(), np.random.default_rng(seed)
    history: dict[str, list[float]] = {}
    for _ in range(epochs):
        figures = []
        for xb, yb in dd.data.batches(*data, batch_size, rng=rng, drop_last=True):
            (loss, logits), grads = step([p.value for p in params], xb, yb)
            for p, g in zip(params, grads, strict=True):
                p.grad = g
            opt.step()
            figures.append((loss, dd.nn.accuracy(logits, yb)))
        val = dd.nn.evaluate(model, dd.nn.cross_entropy, val_data, {"accuracy": dd.nn.accuracy})
        logs = dict(zip(["loss", "accuracy"], np.mean(figures, axis=0).tolist(), strict=True))
        logs.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
    return history


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out-dir", type=Path, default=None, help="folder for the loss curve")
    parser.add_argument("--compile", action="store_true", help="train with a dd.compile'd step")
    args = parser.parse_args()
    main(args.epochs, out_dir=args.out_dir, compile=args.compile)
