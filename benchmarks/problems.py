"""The six workloads' data, their reference answers, and the hand-written limits.

Everything here is plain Python or NumPy: the references that every library's
result is checked against, and the fastest hand-written code for the same
computation (the "limit" each ratio is measured against). Sizes are arguments,
so the tests run the same code on tiny problems.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

# --- W1: a scalar MLP on Python floats ---------------------------------------------


def w1_problem(
    sizes: Sequence[int], batch: int
) -> tuple[list[Any], list[list[float]], list[float]]:
    """Weights ``[W1, b1, W2, b2, ...]`` (W as rows of floats), inputs X and targets Y."""
    rng = random.Random(0)
    params: list[Any] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        scale = 1.0 / math.sqrt(fan_in)
        params.append([[rng.gauss(0.0, scale) for _ in range(fan_in)] for _ in range(fan_out)])
        params.append([rng.gauss(0.0, 0.1) for _ in range(fan_out)])
    xs = [[rng.uniform(-1, 1) for _ in range(sizes[0])] for _ in range(batch)]
    ys = [math.sin(2 * x[0]) * math.cos(x[-1]) for x in xs]
    return params, xs, ys


def w1_flatten(params: list[Any]) -> list[Any]:
    """All weights and biases in one list (rows of W, then b, layer by layer)."""
    flat: list[Any] = []
    for k in range(0, len(params), 2):
        for row in params[k]:
            flat.extend(row)
        flat.extend(params[k + 1])
    return flat


def w1_unflatten(flat: Sequence[Any], sizes: Sequence[int]) -> list[Any]:
    """The inverse of :func:`w1_flatten`; works on any scalar type."""
    params: list[Any] = []
    k = 0
    for fan_in, fan_out in itertools.pairwise(sizes):
        rows = []
        for _ in range(fan_out):
            rows.append(list(flat[k : k + fan_in]))
            k += fan_in
        params.append(rows)
        params.append(list(flat[k : k + fan_out]))
        k += fan_out
    return params


def w1_loss(params: list[Any], xs: list[list[float]], ys: list[float], act: Callable) -> Any:
    """Sum of squared errors of the scalar MLP, written for any scalar type."""
    layers = len(params) // 2
    loss = None
    for x, y in zip(xs, ys, strict=True):
        h: list[Any] = x
        for layer in range(layers):
            weights, biases = params[2 * layer], params[2 * layer + 1]
            out = []
            for row, b in zip(weights, biases, strict=True):
                acc = b
                for w, hi in zip(row, h, strict=True):
                    acc = acc + w * hi
                out.append(act(acc) if layer < layers - 1 else acc)
            h = out
        d = h[0] - y
        loss = d * d if loss is None else loss + d * d
    return loss


def w1_limit(
    params: list[Any], xs: list[list[float]], ys: list[float], act: str
) -> tuple[float, list[Any]]:
    """Hand-written forward and backward of :func:`w1_loss` on floats: (loss, flat gradient)."""
    layers = len(params) // 2
    grads = [
        [[0.0] * len(row) for row in params[k]] if k % 2 == 0 else [0.0] * len(params[k])
        for k in range(len(params))
    ]
    tanh = math.tanh
    loss = 0.0
    for x, y in zip(xs, ys, strict=True):
        acts = [x]
        for layer in range(layers):
            out = []
            for row, b in zip(params[2 * layer], params[2 * layer + 1], strict=True):
                acc = b
                for w, hi in zip(row, acts[-1], strict=True):
                    acc += w * hi
                if layer < layers - 1:
                    acc = tanh(acc) if act == "tanh" else (acc if acc > 0.0 else 0.0)
                out.append(acc)
            acts.append(out)
        d = acts[-1][0] - y
        loss += d * d
        g = [2.0 * d]
        for layer in range(layers - 1, -1, -1):
            if layer < layers - 1:
                hout = acts[layer + 1]
                if act == "tanh":
                    g = [gj * (1.0 - a * a) for gj, a in zip(g, hout, strict=True)]
                else:
                    g = [gj if a > 0.0 else 0.0 for gj, a in zip(g, hout, strict=True)]
            hin, gw, gb = acts[layer], grads[2 * layer], grads[2 * layer + 1]
            for j, gj in enumerate(g):
                gb[j] += gj
                row = gw[j]
                for i, hi in enumerate(hin):
                    row[i] += gj * hi
            if layer > 0:
                back = [0.0] * len(hin)
                for row, gj in zip(params[2 * layer], g, strict=True):
                    for i, w in enumerate(row):
                        back[i] += w * gj
                g = back
    return loss, w1_flatten(grads)


class _Count:
    """A scalar that counts graph nodes the way micrograd does (each op result, and
    each constant an op wraps): the per-node unit of W1."""

    __slots__ = ()
    total = 0

    def _op(self, other: Any) -> _Count:
        _Count.total += 1 if isinstance(other, _Count) else 2
        return self

    __add__ = __mul__ = __sub__ = __radd__ = __rmul__ = _op

    def act(self) -> _Count:
        _Count.total += 1
        return self


def w1_nodes(sizes: Sequence[int], batch: int) -> int:
    """Graph nodes of one W1 loss: parameters, wrapped constants and op results."""
    params, xs, ys = w1_problem(sizes, batch)
    flat = [_Count() for _ in w1_flatten(params)]
    _Count.total = len(flat)
    w1_loss(w1_unflatten(flat, sizes), xs, ys, _Count.act)
    return _Count.total


# --- W2: the report's function ---------------------------------------------------------

W2_POINT = (2.0, 5.0)
W2_GRAD = (1.0 / 2.0 + 5.0, 2.0 - math.cos(5.0))  # (5.5, 2 - cos 5)


def w2_limit(x1: float, x2: float) -> tuple[float, float]:
    """The gradient of ln x1 + x1 x2 - sin x2, written out by hand."""
    return 1.0 / x1 + x2, x1 - math.cos(x2)


# --- W3: one SGD step of an MLP ----------------------------------------------------------

W3_LR = 0.01


def sgd_update(param: np.ndarray, grad: np.ndarray) -> None:
    """param -= lr * grad, in place and without a temporary (the gradient is scratch)."""
    grad *= W3_LR
    param -= grad


def w3_problem(sizes: Sequence[int], batch: int, loss: str, dtype: str) -> dict[str, Any]:
    """Parameters ``[W1, b1, ...]`` (W shaped (in, out)), inputs, targets and labels."""
    rng = np.random.default_rng(42)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params.append(rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in))
        params.append(rng.standard_normal(fan_out) * 0.01)
    if loss == "mse":
        x = rng.uniform(-3, 3, size=(batch, sizes[0]))
        y = np.sin(x[:, :1]) * np.ones((1, sizes[-1]))
        labels = None
    else:
        x = rng.standard_normal((batch, sizes[0]))
        labels = rng.integers(0, sizes[-1], size=batch)
        y = np.eye(sizes[-1])[labels]
    dt = np.dtype(dtype)
    return {
        "params": [p.astype(dt) for p in params],
        "x": x.astype(dt),
        "y": y.astype(dt),
        "labels": labels,
        "loss": loss,
    }


def w3_reference_update(problem: dict[str, Any]) -> list[np.ndarray]:
    """The change of every parameter after one SGD step, in float64 (the reference)."""
    params = [p.astype(np.float64) for p in problem["params"]]
    x, y = problem["x"].astype(np.float64), problem["y"].astype(np.float64)
    before = [p.copy() for p in params]
    w3_limit_factory(params, x, y, problem["loss"])()
    return [p - b for p, b in zip(params, before, strict=True)]


def w3_update_error(
    before: list[np.ndarray], after: list[Any], reference: list[np.ndarray]
) -> float:
    """Relative error (2-norm) of one step's parameter change against the reference."""
    delta = np.concatenate(
        [(np.asarray(a, np.float64) - b).ravel() for a, b in zip(after, before, strict=True)]
    )
    ref = np.concatenate([r.ravel() for r in reference])
    return float(np.linalg.norm(delta - ref) / np.linalg.norm(ref))


def w3_limit_factory(
    params: list[Any], x: Any, y: Any, loss: str, xp: Any = np
) -> Callable[[], Any]:
    """One SGD step written by hand, every temporary allocated once and written with
    ``out=`` (the allocator is a large cost on these machines). ``xp`` is NumPy, or CuPy
    for arrays on the GPU (the step then never waits for the device: the loss it returns
    is a 0-d array there)."""
    layers, batch = len(params) // 2, x.shape[0]
    z = [xp.empty((batch, params[2 * k].shape[1]), x.dtype) for k in range(layers)]
    h = [x] + [xp.empty_like(z[k]) for k in range(layers - 1)]
    g = [xp.empty_like(z[k]) for k in range(layers)]
    gw = [xp.empty_like(params[2 * k]) for k in range(layers)]
    gb = [xp.empty_like(params[2 * k + 1]) for k in range(layers)]
    active = [xp.empty(z[k].shape, bool) for k in range(layers - 1)]
    scale = 2.0 / y.size if loss == "mse" else 1.0 / batch

    def step() -> Any:
        for k in range(layers):
            xp.matmul(h[k], params[2 * k], out=z[k])
            z[k] += params[2 * k + 1]
            if k < layers - 1:
                xp.maximum(z[k], 0, out=h[k + 1])
        out, grad = z[-1], g[-1]
        if loss == "mse":
            xp.subtract(out, y, out=grad)
            value = xp.vdot(grad, grad) / grad.size
        else:
            top = out.max(axis=1, keepdims=True)
            xp.subtract(out, top, out=grad)
            xp.exp(grad, out=grad)
            total = grad.sum(axis=1, keepdims=True)
            value = xp.mean(xp.log(total) + top) - xp.vdot(out, y) / batch
            grad /= total
            grad -= y
        grad *= scale
        for k in range(layers - 1, -1, -1):
            xp.matmul(h[k].T, g[k], out=gw[k])
            xp.sum(g[k], axis=0, out=gb[k])
            if k > 0:
                xp.matmul(g[k], params[2 * k].T, out=g[k - 1])
                xp.greater(h[k], 0, out=active[k - 1])
                g[k - 1] *= active[k - 1]
            gw[k] *= W3_LR
            params[2 * k] -= gw[k]
            gb[k] *= W3_LR
            params[2 * k + 1] -= gb[k]
        return value

    return step


# --- W4 and W5: a Jacobian and a Hessian-vector product -------------------------------


def w4_problem(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    return rng.standard_normal((n, n)) / math.sqrt(n), rng.standard_normal(n)


def w4_limit(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The Jacobian of tanh(A x) * sin(x), written out: diag((1 - t^2) sin x) A + diag(t cos x)."""
    t = np.tanh(a @ x)
    jac = ((1.0 - t * t) * np.sin(x))[:, None] * a
    jac[np.diag_indices_from(jac)] += t * np.cos(x)
    return jac


def w5_problem(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    return (
        rng.standard_normal((n, n)) / math.sqrt(n),
        rng.standard_normal(n),
        rng.standard_normal(n),
    )


def w5_limit(a: np.ndarray, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """H v of sum(log(1 + exp(A x))): A^T (s (1 - s) * (A v)) with s = sigmoid(A x)."""
    s = 1.0 / (1.0 + np.exp(-(a @ x)))
    return a.T @ (s * (1.0 - s) * (a @ v))


# --- W6: a long chain ------------------------------------------------------------------

W6_C = 1.0000001


def w6_limit(steps: int) -> tuple[float, float]:
    """The chain x = x * c + 0.0 and its derivative, in plain Python."""
    x = 1.0
    for _ in range(steps):
        x = x * W6_C + 0.0
    g = 1.0
    for _ in range(steps):
        g *= W6_C
    return x, g


def rel_err(a: Any, b: Any) -> float:
    """max |a - b| / max |b|."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-300, float(np.max(np.abs(b)))))
