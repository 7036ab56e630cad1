"""dualdiff's side of the six workloads, written with the public API only."""

from __future__ import annotations

from time import perf_counter
from typing import Any

import numpy as np

from . import problems as P
from .cases import Case, Sizes, w3_label, w3_make, w3_tol


def cases(workload: str, sizes: Sizes) -> list[Case]:
    return list(_CASES[workload](sizes))


def _case(workload: str, problem: str, variant: str, make: Any, **kw: Any) -> Case:
    return Case(workload, problem, "dualdiff", variant, make, **kw)


# --- W1 ------------------------------------------------------------------------------


def _w1(sizes: Sizes) -> Any:
    for batch, act in sizes.w1:
        nodes = P.w1_nodes(sizes.w1_layers, batch)
        problem = f"{act}, batch {batch}"
        yield _case(
            "W1",
            problem,
            "Var scalars, Tape + tape.gradient",
            lambda b=batch, a=act: _w1_tape(sizes.w1_layers, b, a),
            units=nodes,
            unit="node",
        )
        for backend, variant in _COMPILED.items():
            yield _case(
                "W1",
                problem,
                variant,
                lambda b=batch, a=act, k=backend: _w1_compiled(sizes.w1_layers, b, a, k),
                units=nodes,
                unit="node",
            )


def _w1_reference(layers: Any, batch: int, act: str) -> tuple[Any, Any, Any, list[float]]:
    params, xs, ys = P.w1_problem(layers, batch)
    return params, xs, ys, P.w1_limit(params, xs, ys, act)[1]


def _w1_tape(layers: Any, batch: int, act: str) -> Any:
    import dualdiff as dd

    params, xs, ys, ref = _w1_reference(layers, batch, act)
    leaves = [dd.Var(v) for v in P.w1_flatten(params)]
    model = P.w1_unflatten(leaves, layers)
    fn = dd.tanh if act == "tanh" else dd.relu

    def step() -> Any:
        with dd.Tape() as tape:
            loss = P.w1_loss(model, xs, ys, fn)
        return tape.gradient(loss, leaves)

    return step, P.rel_err(step(), ref)


# dd.compile's backends: generated straight-line source (the default), and tape replay
_COMPILED = {"source": "dd.compile (generated source)", "replay": "dd.compile (tape replay)"}


def _w1_compiled(layers: Any, batch: int, act: str, backend: str) -> Any:
    import dualdiff as dd

    params, xs, ys, ref = _w1_reference(layers, batch, act)
    fn = dd.tanh if act == "tanh" else dd.relu
    flat = P.w1_flatten(params)
    loss_grad = dd.compile(
        lambda ws: P.w1_loss(P.w1_unflatten(ws, layers), xs, ys, fn), backend=backend
    )
    step = lambda: loss_grad(flat)
    step()
    return step, P.rel_err(step()[1], ref)


# --- W2 ------------------------------------------------------------------------------


def _w2_f(dd: Any) -> Any:
    log, sin = dd.log, dd.sin
    return lambda x1, x2: log(x1) + x1 * x2 - sin(x2)


def _w2(sizes: Sizes) -> Any:
    def grad() -> Any:
        import dualdiff as dd

        g = dd.grad(_w2_f(dd), argnums=(0, 1))
        step = lambda: g(*P.W2_POINT)
        return step, P.rel_err(step(), P.W2_GRAD)

    def compiled(backend: str) -> Any:
        import dualdiff as dd

        g = dd.compile(_w2_f(dd), argnums=(0, 1), backend=backend)
        step = lambda: g(*P.W2_POINT)
        step()
        return step, P.rel_err(step()[1], P.W2_GRAD)

    yield _case("W2", "grad at (2, 5)", "dd.grad(f, argnums=(0, 1))", grad)
    for backend, variant in _COMPILED.items():
        yield _case("W2", "grad at (2, 5)", variant, lambda k=backend: compiled(k))


# --- W3 ------------------------------------------------------------------------------


def mlp_loss(dd: Any, kind: str) -> Any:
    """The MLP's loss as a function of (params, x, y): relu layers, MSE or softmax-CE."""

    def loss(params: list[Any], x: Any, y: Any) -> Any:
        h = x
        layers = len(params) // 2
        for k in range(layers):  # dd.matmul: an input array of another namespace than
            # NumPy's need not hand `@` over to a Var (array_api_strict's refuse to)
            h = dd.matmul(h, params[2 * k]) + params[2 * k + 1]
            if k < layers - 1:
                h = dd.relu(h)
        if kind == "mse":
            return dd.mean(dd.square(h - y))
        return -dd.sum(dd.log_softmax(h, axis=-1) * y) / h.shape[0]

    return loss


def _w3(sizes: Sizes) -> Any:
    for layers, batch, kind in sizes.w3:
        for dtype in sizes.w3_dtypes:
            spec = (layers, batch, kind, dtype)
            label = w3_label(layers, dtype)
            for variant, gradient in (("f only (no derivative)", False), ("dd.grad only", True)):
                yield _case(
                    "W3",
                    label,
                    variant,
                    lambda s=spec, g=gradient: _w3_cheap(s, g),
                    unit="step",
                    tol=w3_tol(dtype),
                )
            for variant, builder in _W3_VARIANTS.items():
                yield _case(
                    "W3",
                    label,
                    variant,
                    lambda s=spec, b=builder: w3_make(s, b, s[3]),
                    unit="step",
                    tol=w3_tol(dtype),
                )


def _w3_cheap(spec: Any, gradient: bool) -> Any:
    """The loss alone, or its gradient alone: the two sides of the cheap-gradient ratio."""
    import dualdiff as dd

    layers, batch, kind, dtype = spec
    prob = P.w3_problem(layers, batch, kind, dtype)
    params, x, y = prob["params"], prob["x"], prob["y"]
    loss = mlp_loss(dd, kind)
    if not gradient:
        copies = [p.astype(np.float64) for p in params]
        ref_value = P.w3_limit_factory(copies, x.astype(np.float64), y.astype(np.float64), kind)()
        step = lambda: loss(params, x, y)
        return step, P.rel_err(step(), ref_value)
    step = lambda: dd.grad(loss)(params, x, y)
    ref = [-d / P.W3_LR for d in P.w3_reference_update(prob)]
    return step, P.rel_err(
        np.concatenate([g.ravel() for g in step()]), np.concatenate([r.ravel() for r in ref])
    )


def _w3_transformed(transform: str, **options: Any) -> Any:
    """A W3 case: an SGD step on gradients from ``dd.<transform>`` of the MLP loss
    (``value_and_grad`` traces every step, ``compile`` runs the recorded program)."""

    def build(prob: dict[str, Any]) -> Any:
        import dualdiff as dd

        params, x, y = prob["params"], prob["x"], prob["y"]
        loss_grad = getattr(dd, transform)(mlp_loss(dd, prob["loss"]), **options)

        def step() -> Any:
            loss, grads = loss_grad(params, x, y)
            for p, g in zip(params, grads, strict=True):
                P.sgd_update(p, g)
            return loss

        return step, lambda: params

    return build


_w3_functional = _w3_transformed("value_and_grad")


def _w3_model(prob: dict[str, Any]) -> Any:
    """nn.MLP loaded with the problem's parameters, its SGD optimizer, loss and target."""
    import dualdiff as dd

    nn, optim = getattr(dd, "nn", None), getattr(dd, "optim", None)
    if nn is None or optim is None:
        from .cases import Skip

        raise Skip("dd.nn / dd.optim are not available")
    sizes = [prob["params"][0].shape[0]] + [w.shape[1] for w in prob["params"][::2]]
    model = nn.MLP(sizes, activation="relu", rng=0)
    _load(model.parameters(), prob["params"])
    opt = optim.SGD(model.parameters(), lr=P.W3_LR)
    if prob["loss"] == "mse":
        return model, opt, nn.mse_loss, prob["y"]
    return model, opt, nn.cross_entropy, prob["labels"]


def _w3_module(prob: dict[str, Any]) -> Any:
    import dualdiff as dd

    model, opt, loss_fn, target = _w3_model(prob)
    x = prob["x"]

    def step() -> Any:
        opt.zero_grad()
        with dd.Tape():
            loss = loss_fn(model(x), target)
        loss.backward()
        opt.step()
        return loss

    return step, lambda: _unload(model.parameters(), prob["params"])


def _w3_module_compiled(prob: dict[str, Any]) -> Any:
    """The nn.MLP + optim.SGD step with the gradient from ``dd.compile``: the loss is a
    function of the parameters' values (``model.with_parameters``), the gradients go to
    ``.grad`` and the optimizer steps as in the eager module step."""
    import dualdiff as dd

    model, opt, loss_fn, target = _w3_model(prob)
    names, weights = zip(*model.named_parameters(), strict=True)

    def loss(values: list[Any], x: Any, target: Any) -> Any:
        with model.with_parameters(dict(zip(names, values, strict=True))):
            return loss_fn(model(x), target)

    loss_grad = dd.compile(loss)
    x = prob["x"]

    def step() -> Any:
        value, grads = loss_grad([w.value for w in weights], x, target)
        for w, g in zip(weights, grads, strict=True):
            w.grad = g
        opt.step()
        return value

    return step, lambda: _unload(model.parameters(), prob["params"])


def _load(weights: list[Any], params: list[np.ndarray]) -> None:
    """Copy the problem's W (in, out), b (out,) into the model (which may store W as (out, in))."""
    for var, p in zip(weights, params, strict=True):
        shape = np.shape(var.value)
        var.value = np.array(p if shape == p.shape else p.T, dtype=p.dtype)


def _unload(weights: list[Any], params: list[np.ndarray]) -> list[np.ndarray]:
    out = []
    for var, p in zip(weights, params, strict=True):
        v = np.asarray(var.value)
        out.append(v if v.shape == p.shape else v.T)
    return out


_W3_VARIANTS = {
    "value_and_grad + in-place SGD": _w3_functional,
    **{
        f"{variant} + in-place SGD": _w3_transformed("compile", backend=backend)
        for backend, variant in _COMPILED.items()
    },
    "nn.MLP + optim.SGD": _w3_module,
    "nn.MLP, dd.compile + optim.SGD": _w3_module_compiled,
}


# --- W4, W5 --------------------------------------------------------------------------


def _w4(sizes: Sizes) -> Any:
    for n in sizes.w4:
        for mode in ("jacfwd", "jacrev"):
            yield _case("W4", f"n={n}", f"dd.{mode}", lambda n=n, m=mode: _w4_make(n, m), tol=1e-10)
        yield _case("W4", f"n={n}", "dd.compile", _w4_compiled)


def _w4_compiled() -> Any:
    from .cases import Skip

    raise Skip(
        "dd.compile is value_and_grad of a scalar function: a Jacobian would be n compiled "
        "vector-Jacobian products, one per row"
    )


def _w4_make(n: int, mode: str) -> Any:
    import dualdiff as dd

    a, x = P.w4_problem(n)
    tanh, sin = dd.tanh, dd.sin
    jac = getattr(dd, mode)(lambda v: tanh(a @ v) * sin(v))
    step = lambda: jac(x)
    return step, P.rel_err(step(), P.w4_limit(a, x))


def _w5(sizes: Sizes) -> Any:
    def make(what: str) -> Any:
        import dualdiff as dd

        a, x, v = P.w5_problem(sizes.w5)
        f = lambda y: dd.sum(dd.log(1.0 + dd.exp(a @ y)))
        if what == "hvp":
            step = lambda: dd.hvp(f, (x,), (v,))
            return step, P.rel_err(step(), P.w5_limit(a, x, v))
        if what == "grad":
            step = lambda: dd.grad(f)(x)
            return step, P.rel_err(step(), a.T @ (1.0 / (1.0 + np.exp(-(a @ x)))))
        step = lambda: f(x)
        return step, P.rel_err(step(), np.sum(np.logaddexp(0.0, a @ x)))

    def compiled() -> Any:
        import dualdiff as dd

        a, x, v = P.w5_problem(sizes.w5)
        f = lambda y: dd.sum(dd.log(1.0 + dd.exp(a @ y)))
        # H v is the gradient of the directional derivative f'(x) v, as dd.hvp computes it
        hv = dd.compile(lambda y, u: dd.jvp(f, (y,), (u,))[1])
        step = lambda: hv(x, v)[1]
        step()
        return step, P.rel_err(step(), P.w5_limit(a, x, v))

    problem = f"n={sizes.w5}"
    yield _case("W5", problem, "dd.hvp (reverse over forward)", lambda: make("hvp"))
    yield _case("W5", problem, "dd.compile of the directional derivative", compiled)
    yield _case("W5", problem, "f only (no derivative)", lambda: make("f"))
    yield _case("W5", problem, "dd.grad only", lambda: make("grad"))


# --- W6 ------------------------------------------------------------------------------


def _w6(sizes: Sizes) -> Any:
    for steps in sizes.w6:
        yield _case(
            "W6",
            f"{steps:,} steps",
            "Var, Tape + tape.gradient",
            lambda s=steps: _w6_make(s),
            units=2 * steps,
            unit="op",
            chain=True,
        )
    for steps in [s for s in sizes.w6 if s <= sizes.w6_peer_max]:  # generating takes seconds
        yield _case(
            "W6",
            f"{steps:,} steps",
            "dd.compile (generated source), forward and backward in one call",
            lambda s=steps: _w6_compiled(s),
            units=2 * steps,
            unit="op",
        )


def _w6_compiled(steps: int) -> Any:
    """The chain through ``dd.compile``: one generated function runs the forward and the
    backward pass (generating it takes seconds, once: not timed)."""
    import dualdiff as dd

    def chain(x: Any) -> Any:
        for _ in range(steps):
            x = x * P.W6_C + 0.0
        return x

    value_and_grad = dd.compile(chain)
    value_and_grad(1.0)  # records
    step = lambda: value_and_grad(1.0)[1]
    step()  # generates the source
    return step, P.rel_err(step(), P.W6_C**steps)


def _w6_make(steps: int) -> Any:
    import dualdiff as dd

    result: list[float] = []

    def run() -> tuple[float, float]:
        x0 = x = dd.Var(1.0)
        c = P.W6_C
        t0 = perf_counter()
        with dd.Tape() as tape:
            for _ in range(steps):
                x = x * c + 0.0
        t1 = perf_counter()
        (g,) = tape.gradient(x, [x0])
        t2 = perf_counter()
        result[:] = [g]
        return t1 - t0, t2 - t1

    run()
    return run, P.rel_err(result[0], P.W6_C**steps)


_CASES = {"W1": _w1, "W2": _w2, "W3": _w3, "W4": _w4, "W5": _w5, "W6": _w6}
