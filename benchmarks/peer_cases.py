"""The peers on the same workloads: micrograd, PyTorch, JAX, HIPS autograd, mygrad.

Each is optional: a peer that is not installed is reported as skipped. They
are never dependencies of dualdiff or of its tests; install them in a separate
virtualenv (see docs/performance.md).
"""

from __future__ import annotations

import importlib
import os
from time import perf_counter
from typing import Any

import numpy as np

from . import problems as P
from .cases import Case, Sizes, Skip, w3_label, w3_make, w3_tol

PEERS = ("micrograd", "torch", "jax", "autograd", "mygrad")


def cases(workload: str, sizes: Sizes) -> list[Case]:
    return list(_CASES[workload](sizes))


def need(name: str) -> Any:
    """Import a peer, or skip the case with a clear reason."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise Skip(f"{name} is not installed ({err})") from None


def _torch() -> Any:
    torch = need("torch")
    torch.set_num_threads(int(os.environ.get("DD_BENCH_THREADS", "2")))
    return torch


def _jax(x64: bool = True) -> Any:
    jax = need("jax")
    jax.config.update("jax_enable_x64", x64)
    return jax


# --- W1 ------------------------------------------------------------------------------


def _w1(sizes: Sizes) -> Any:
    for batch, act in sizes.w1:
        nodes = P.w1_nodes(sizes.w1_layers, batch)
        problem = f"{act}, batch {batch}"
        for group, variant, builder in (
            ("micrograd", "Value", _w1_micrograd),
            ("torch", "0-d tensors", _w1_torch),
        ):
            yield Case(
                "W1",
                problem,
                group,
                variant,
                lambda b=batch, a=act, f=builder: _w1_make(sizes.w1_layers, b, a, f),
                units=nodes,
                unit="node",
            )


def _w1_make(layers: Any, batch: int, act: str, builder: Any) -> Any:
    params, xs, ys = P.w1_problem(layers, batch)
    ref = P.w1_limit(params, xs, ys, act)[1]
    step, grads = builder(P.w1_flatten(params), layers, xs, ys, act)
    step()
    return step, P.rel_err(grads(), ref)


def _w1_micrograd(flat: list[float], layers: Any, xs: Any, ys: Any, act: str) -> Any:
    engine = need("micrograd.engine")
    if act != "relu":
        raise Skip("micrograd's Value has no tanh (relu only)")
    leaves = [engine.Value(v) for v in flat]
    model = P.w1_unflatten(leaves, layers)

    def step() -> None:
        for v in leaves:
            v.grad = 0.0
        P.w1_loss(model, xs, ys, lambda v: v.relu()).backward()

    return step, lambda: [v.grad for v in leaves]


def _w1_torch(flat: list[float], layers: Any, xs: Any, ys: Any, act: str) -> Any:
    torch = _torch()
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in flat]
    model = P.w1_unflatten(leaves, layers)
    fn = torch.tanh if act == "tanh" else torch.relu

    def step() -> None:
        for v in leaves:
            v.grad = None
        P.w1_loss(model, xs, ys, fn).backward()

    return step, lambda: [float(v.grad) for v in leaves]


# --- W2 ------------------------------------------------------------------------------


def _w2(sizes: Sizes) -> Any:
    for group, variant, builder in (
        ("jax", "jit(grad)", _w2_jax),
        ("torch", "autograd.grad, tensors per call", _w2_torch),
        ("autograd", "grad", _w2_autograd),
        ("mygrad", "0-d tensors, backward", _w2_mygrad),
    ):
        yield Case("W2", "grad at (2, 5)", group, variant, lambda b=builder: _w2_make(b))


def _w2_make(builder: Any) -> Any:
    step = builder()
    return step, P.rel_err([float(g) for g in step()], P.W2_GRAD)


def _w2_jax() -> Any:
    jax = _jax()
    jnp = jax.numpy
    g = jax.jit(jax.grad(lambda a, b: jnp.log(a) + a * b - jnp.sin(b), argnums=(0, 1)))
    return lambda: jax.block_until_ready(g(*P.W2_POINT))


def _w2_torch() -> Any:
    torch = _torch()

    def step() -> Any:
        a = torch.tensor(P.W2_POINT[0], dtype=torch.float64, requires_grad=True)
        b = torch.tensor(P.W2_POINT[1], dtype=torch.float64, requires_grad=True)
        return torch.autograd.grad(torch.log(a) + a * b - torch.sin(b), (a, b))

    return step


def _w2_autograd() -> Any:
    autograd = need("autograd")
    anp = need("autograd.numpy")
    g = autograd.grad(lambda a, b: anp.log(a) + a * b - anp.sin(b), argnum=(0, 1))
    return lambda: g(*P.W2_POINT)


def _w2_mygrad() -> Any:
    mg = need("mygrad")

    def step() -> Any:
        a, b = mg.tensor(P.W2_POINT[0]), mg.tensor(P.W2_POINT[1])
        (mg.log(a) + a * b - mg.sin(b)).backward()
        return a.grad, b.grad

    return step


# --- W3 ------------------------------------------------------------------------------


def _w3(sizes: Sizes) -> Any:
    for layers, batch, kind in sizes.w3:
        for dtype in sizes.w3_dtypes:
            spec = (layers, batch, kind, dtype)
            for group, variant, builder in (
                ("torch", "eager", _w3_torch),
                ("jax", "jit(grad + SGD)", _w3_jax),
                ("autograd", "grad + in-place SGD", _w3_autograd),
                ("mygrad", "backward + in-place SGD", _w3_mygrad),
            ):
                yield Case(
                    "W3",
                    w3_label(layers, dtype),
                    group,
                    variant,
                    lambda s=spec, b=builder: w3_make(s, b),
                    unit="step",
                    tol=w3_tol(dtype),
                )


def _mlp(xp: Any, relu: Any, log_softmax: Any, kind: str) -> Any:
    """The W3 loss for an array library ``xp``."""

    def loss(params: list[Any], x: Any, y: Any) -> Any:
        h = x
        layers = len(params) // 2
        for k in range(layers):
            h = h @ params[2 * k] + params[2 * k + 1]
            if k < layers - 1:
                h = relu(h)
        if kind == "mse":
            return xp.mean((h - y) ** 2)
        return -xp.sum(log_softmax(h) * y) / h.shape[0]

    return loss


def _w3_torch(prob: dict[str, Any], device: str = "cpu") -> Any:
    torch = _torch()
    params = [torch.tensor(p, device=device, requires_grad=True) for p in prob["params"]]
    x, y = torch.tensor(prob["x"], device=device), torch.tensor(prob["y"], device=device)
    loss = _mlp(torch, torch.relu, lambda h: torch.log_softmax(h, dim=-1), prob["loss"])

    def step() -> None:
        loss(params, x, y).backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad.mul_(P.W3_LR))
                p.grad = None

    return step, lambda: [p.detach().cpu().numpy() for p in params]


def _w3_jax(prob: dict[str, Any]) -> Any:
    jax = _jax(x64=prob["x"].dtype == np.float64)
    jnp = jax.numpy
    loss = _mlp(jnp, jax.nn.relu, lambda h: jax.nn.log_softmax(h, axis=-1), prob["loss"])

    @jax.jit
    def sgd(params: Any, x: Any, y: Any) -> Any:
        grads = jax.grad(loss)(params, x, y)
        return [p - P.W3_LR * g for p, g in zip(params, grads, strict=True)]

    state = [[jnp.asarray(p) for p in prob["params"]]]
    x, y = jnp.asarray(prob["x"]), jnp.asarray(prob["y"])

    def step() -> None:
        state[0] = jax.block_until_ready(sgd(state[0], x, y))

    return step, lambda: [np.asarray(p) for p in state[0]]


def _w3_autograd(prob: dict[str, Any]) -> Any:
    autograd = need("autograd")
    anp = need("autograd.numpy")
    lse = need("autograd.scipy.special").logsumexp
    params, x, y = prob["params"], prob["x"], prob["y"]
    loss = _mlp(
        anp,
        lambda h: anp.maximum(h, 0.0),
        lambda h: h - lse(h, axis=-1, keepdims=True),
        prob["loss"],
    )
    grad = autograd.grad(loss)

    def step() -> None:
        for p, g in zip(params, grad(params, x, y), strict=True):
            P.sgd_update(p, g)

    return step, lambda: params


def _w3_mygrad(prob: dict[str, Any]) -> Any:
    mg = need("mygrad")
    params = [mg.tensor(p) for p in prob["params"]]
    x, y = prob["x"], prob["y"]
    loss = _mlp(mg, mg.nnet.relu, lambda h: mg.nnet.logsoftmax(h, axis=-1), prob["loss"])

    def step() -> None:
        loss(params, x, y).backward()
        for p in params:
            P.sgd_update(p.data, p.grad)

    return step, lambda: [p.data for p in params]


# --- W4, W5 --------------------------------------------------------------------------


def _w4(sizes: Sizes) -> Any:
    for n in sizes.w4:
        for group, variant, builder in (
            ("jax", "jit(jacfwd)", lambda a, jax: jax.jit(jax.jacfwd(a))),
            ("jax", "jit(jacrev)", lambda a, jax: jax.jit(jax.jacrev(a))),
            ("torch", "torch.func.jacfwd", lambda f, torch: torch.func.jacfwd(f)),
            ("torch", "torch.func.jacrev", lambda f, torch: torch.func.jacrev(f)),
            ("autograd", "jacobian", lambda f, autograd: autograd.jacobian(f)),
        ):
            yield Case(
                "W4", f"n={n}", group, variant, lambda n=n, g=group, b=builder: _w4_make(n, g, b)
            )


def _w4_make(n: int, group: str, builder: Any) -> Any:
    a, x = P.w4_problem(n)
    lib, xs, (aa, xx) = _array_lib(group, (a, x))
    jac = builder(lambda v: xs.tanh(aa @ v) * xs.sin(v), lib)
    step = _synced(group, lambda: jac(xx))
    return step, P.rel_err(np.asarray(step()), P.w4_limit(a, x))


def _w5(sizes: Sizes) -> Any:
    for group, variant in (
        ("jax", "jit(jvp(grad)) forward over reverse"),
        ("torch", "autograd.functional.hvp"),
        ("autograd", "hessian_vector_product"),
    ):
        yield Case("W5", f"n={sizes.w5}", group, variant, lambda g=group: _w5_make(sizes.w5, g))


def _w5_make(n: int, group: str) -> Any:
    a, x, v = P.w5_problem(n)
    lib, xs, (aa, xx, vv) = _array_lib(group, (a, x, v))
    f = lambda y: xs.sum(xs.log(1.0 + xs.exp(aa @ y)))
    if group == "jax":
        hvp = lib.jit(lambda y, w: lib.jvp(lib.grad(f), (y,), (w,))[1])
        step = _synced(group, lambda: hvp(xx, vv))
    elif group == "torch":
        step = lambda: lib.autograd.functional.hvp(f, xx, vv)[1]
    else:
        hvp = lib.hessian_vector_product(f)
        step = lambda: hvp(xx, vv)
    return step, P.rel_err(np.asarray(step()), P.w5_limit(a, x, v))


def _array_lib(group: str, arrays: tuple[np.ndarray, ...]) -> tuple[Any, Any, tuple[Any, ...]]:
    """(the library, its NumPy-like namespace, the arrays converted to it)."""
    if group == "jax":
        jax = _jax()
        return jax, jax.numpy, tuple(jax.numpy.asarray(a) for a in arrays)
    if group == "torch":
        torch = _torch()
        need("torch.func")
        return torch, torch, tuple(torch.tensor(a) for a in arrays)
    return need("autograd"), need("autograd.numpy"), arrays


def _synced(group: str, fn: Any) -> Any:
    if group != "jax":
        return fn
    return lambda: fn().block_until_ready()


# --- W6 ------------------------------------------------------------------------------


def _w6(sizes: Sizes) -> Any:
    for steps in sizes.w6:
        if steps > sizes.w6_peer_max:
            continue
        for group, variant in (
            ("micrograd", "Value"),
            ("torch", "0-d tensors"),
            ("autograd", "grad"),
        ):
            yield Case(
                "W6",
                f"{steps:,} steps",
                group,
                variant,
                lambda s=steps, g=group: _w6_make(s, g),
                units=2 * steps,
                unit="op",
                chain=True,
            )


def _w6_make(steps: int, group: str) -> Any:
    result: list[float] = []
    run = {"micrograd": _w6_micrograd, "torch": _w6_torch, "autograd": _w6_autograd}[group]

    def timed() -> tuple[float, float]:
        fwd, bwd, g = run(steps)
        result[:] = [g]
        return fwd, bwd

    timed()
    return timed, P.rel_err(result[0], P.W6_C**steps)


def _w6_micrograd(steps: int) -> tuple[float, float, float]:
    engine = need("micrograd.engine")
    x0 = x = engine.Value(1.0)
    t0 = perf_counter()
    for _ in range(steps):
        x = x * P.W6_C + 0.0
    t1 = perf_counter()
    x.backward()  # recursive topological sort: RecursionError on long chains
    return t1 - t0, perf_counter() - t1, x0.grad


def _w6_torch(steps: int) -> tuple[float, float, float]:
    torch = _torch()
    x0 = x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    t0 = perf_counter()
    for _ in range(steps):
        x = x * P.W6_C + 0.0
    t1 = perf_counter()
    x.backward()
    return t1 - t0, perf_counter() - t1, float(x0.grad)


def _w6_autograd(steps: int) -> tuple[float, float, float]:
    autograd = need("autograd")
    marks: list[float] = []

    def chain(x: Any) -> Any:
        marks.append(perf_counter())
        for _ in range(steps):
            x = x * P.W6_C + 0.0
        marks.append(perf_counter())
        return x

    g = float(autograd.grad(chain)(1.0))
    return marks[1] - marks[0], perf_counter() - marks[1], g


_CASES = {"W1": _w1, "W2": _w2, "W3": _w3, "W4": _w4, "W5": _w5, "W6": _w6}
