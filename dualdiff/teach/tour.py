"""``python -m dualdiff tour``: the report, chapter by chapter, computed as it is read.

Each chapter prints its tables and saves its pictures in the tour's folder
(PNG with matplotlib, the graph as DOT text always and as SVG/PNG when
Graphviz is installed). Without matplotlib the tour runs as text only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .. import nn, numeric, optim
from ..forward import Dual
from ..ops import log, mean, sin
from ..replay import compile
from ..reverse import Tape, Var
from ..source.export import export_source
from ..transforms import derivative, value_and_grad
from . import plots
from .cost import cost, crossover
from .graph import GraphvizNotFoundError, render
from .replay import replay
from .rules import describe
from .table import text_table
from .trace import evaluation_trace

__all__ = ["CHAPTERS", "Tour", "baydin", "run"]


@dataclass
class Tour:
    """Where the pictures go, whether they can be drawn, and what was written."""

    out: Path
    draw: bool = True
    files: bool = True  # False: write nothing at all (--no-pictures)
    written: list[Path] = field(default_factory=list)
    losses: dict[str, list[float]] = field(default_factory=dict)

    def picture(self, name: str, make: Callable[[Path], Path]) -> None:
        """Save one picture with ``make(path)`` (skipped, with a note, without matplotlib)."""
        if not self.draw:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        self.written.append(make(self.out / name))
        print(f"  [picture] {self.written[-1]}")


def baydin(x1: Any, x2: Any) -> Any:
    """The report's f(x1, x2) = ln x1 + x1 x2 - sin x2, one step per line as in Baydin et al."""
    v1 = log(x1)
    v2 = x1 * x2
    v3 = sin(x2)
    v4 = v1 + v2
    return v4 - v3


# --- 1. numerical differentiation ------------------------------------------------------


def chapter_numeric(tour: Tour) -> None:
    """The forward difference of x³ and its error 3xh + h², then the error against h."""
    h = 0.01
    print(f"Forward difference (f(x+h) - f(x)) / h of f(x) = x³ with h = {h}:")
    rows = []
    for x in (0.0, 1.0, 2.0, 3.0, 4.0):
        approx, exact = ((x + h) ** 3 - x**3) / h, 3 * x * x
        error, formula = approx - exact, 3 * x * h + h * h
        rows.append((f"{x:g}", f"{exact:g}", f"{approx:.6f}", f"{error:.6f}", f"{formula:.6f}"))
    print(text_table(("x", "3x²", "difference", "error", "3xh + h²"), rows, right=[True] * 5))
    print("\nThe error against h for f(x) = x³ at x = 2 (exact f'(2) = 12):")
    study = numeric.step_study(lambda x: x**3, 2.0, exact=12.0, methods=_METHODS)
    print(study)
    for m in ("forward", "central"):
        best_h, err = study.best(m)
        print(
            f"  {m:8} best at h = {best_h:.0e} (error {err:.1e}): truncation below, round-off above"
        )
    print(f"  forward-mode AD: {derivative(lambda x: x**3)(2.0)!r}, exact")
    errors = {m: (study.hs, study.errors[m]) for m in study.methods}
    tour.picture("numeric_error.png", lambda p: plots.plot_step_error(errors, p))


_METHODS = ("forward", "central", "complex")


# --- 2. symbolic rules -----------------------------------------------------------------


def chapter_rules(tour: Tour) -> None:
    """d(xⁿ) = n xⁿ⁻¹ and d(ln x) = 1/x as the registry holds them."""
    print("Each op's derivative is written once, in the registry; these are printed from it:\n")
    for name in ("power", "log", "sin", "multiply"):
        print(describe(name))
    d3, dlog = derivative(lambda x: x**3)(2.0), derivative(log)(2.0)
    print(f"\nAt x = 2: d(x³)/dx = 3·2² = {d3!r},  d(ln x)/dx = 1/2 = {dlog!r}")
    print("`python -m dualdiff rules` lists every op of the registry.")


# --- 3 and 4. the evaluation trace ---------------------------------------------------------


def chapter_forward(tour: Tour) -> None:
    """The forward primal and tangent traces of f at (2, 5), seeded with ẋ₁ = 1."""
    tr = evaluation_trace(baydin, 2.0, 5.0)
    print("f(x1, x2) = ln x1 + x1·x2 - sin x2 at (2, 5), forward mode, seed ẋ₁ = 1:\n")
    print(tr.forward_table())
    print(f"\ndf/dx1 = {tr.tangent!r}: one forward pass gives one directional derivative.")
    d2 = evaluation_trace(baydin, 2.0, 5.0, seed=1).tangent
    print(f"df/dx2 needs a second pass (seed ẋ₂ = 1): {d2!r} = 2 - cos 5")
    d = baydin(Dual(2.0, 1.0), Dual(5.0, 0.0))
    print(f"The same with dual numbers: Dual(primal={d.primal!r}, tangent={d.tangent!r})")
    _graph(tour, tr)


def _graph(tour: Tour, tr: Any) -> None:
    if not tour.files:
        print("  (--no-pictures: the graph is not written; dd.teach.graph.to_dot gives its text)")
        return
    tour.out.mkdir(parents=True, exist_ok=True)
    dot = render(tr, tour.out / "report_graph.dot")
    print(f"  [graph] {dot}")
    tour.written.append(dot)
    try:
        tour.written.append(render(tr, tour.out / "report_graph.png"))
        print(f"  [graph] {tour.written[-1]}")
    except GraphvizNotFoundError:
        print("  (install Graphviz to draw it: apt-get install graphviz)")


def chapter_reverse(tour: Tour) -> None:
    """The reverse adjoint trace: one sweep from ȳ = 1 gives both partial derivatives."""
    tr = evaluation_trace(baydin, 2.0, 5.0)
    print(tr.reverse_table())
    g1, g2 = tr.gradient
    print(f"\nOne reverse sweep gives the whole gradient: ({g1!r}, {g2!r})")
    print("The two paths from w back to x1 add up: 1/x1 = 0.5 through ln, x2 = 5 through x1·x2.")
    with Tape() as tape:
        x1, x2 = Var(2.0, name="x1"), Var(5.0, name="x2")
        w = baydin(x1, x2)
    print("\nThe tape behind it, as a Wengert list:")
    print("  " + str(tape).replace("\n", "\n  "))
    print(f"gradient from the tape: {tape.gradient(w, [x1, x2])}")
    print("\nThe adjoint program as code (dd.export_source; vN_bar is the adjoint of vN):")
    print("  " + adjoint_program(baydin, 2.0, 5.0).replace("\n", "\n  "))


def adjoint_program(f: Callable[..., Any], *args: Any) -> str:
    """The straight-line function ``dd.export_source`` generates for ``f`` at ``args``:
    the forward pass, then the adjoints, one line per op of the rules."""
    text = export_source(f, *args, argnums=tuple(range(len(args))))
    start = text.index("\ndef ") + 1
    end = text.find("\n\n\n", start)
    return text[start : end if end >= 0 else len(text)].rstrip()


# --- 5 and 6. the gradient grid and gradient descent -----------------------------------------


def _bowl(x: Any, y: Any) -> Any:
    return x**2 + y**2


def chapter_grid(tour: Tour) -> None:
    """The report's 10 x 10 grid of x² + y² on [-1, 0.8]: value and gradient at each point."""
    points = []
    for i in range(10):
        for j in range(10):
            x, y = Var(-1 + i / 5), Var(-1 + j / 5)
            with Tape():
                out = _bowl(x, y)
            out.backward()
            points.append((x.value, y.value, x.grad, y.grad, out.value))
    print("f(x, y) = x² + y² at x, y = -1 + i/5 (i = 0 .. 9), by reverse mode at each point:")
    header = ("y \\ x", *(f"{-1 + i / 5:.1f}" for i in range(10)))
    rows = [
        (f"{-1 + j / 5:.1f}", *(f"{points[i * 10 + j][4]:.2f}" for i in range(10)))
        for j in range(10)
    ]
    print(text_table(header, rows, right=[True] * 11))
    best = min(points, key=lambda p: p[4])
    print("\n(x, y, df/dx, df/dy, f) at the smallest value of the 100:")
    print(f"  {tuple(float(v) for v in best)}")
    print("The gradient vanishes at the minimum; finding it took 100 evaluations.")


def chapter_descent(tour: Tour) -> None:
    """Gradient descent x ← x - 0.3 df/dx from (1, 1): each step multiplies by 0.4."""
    lr, x, y = 0.3, Var(1.0), Var(1.0)
    path, rows = [(1.0, 1.0)], []
    for k in range(1, 11):
        with Tape():
            out = _bowl(x, y)
        out.backward()
        x.data, y.data = x.value - lr * x.grad, y.value - lr * y.grad
        x.grad = y.grad = None  # important: gradients accumulate otherwise
        path.append((x.value, y.value))
        rows.append((str(k), f"{x.value:.6g}", f"{y.value:.6g}", f"{0.4**k:.6g}"))
    print(f"lr = {lr}, from (1, 1); x_(k+1) = x_k - lr·2x_k = 0.4·x_k:")
    print(text_table(("step", "x", "y", "0.4^k"), rows, right=[True] * 4))
    print(f"After 10 steps x = {x.value!r} (0.4**10 = {0.4**10!r}): about 1e-4 from the minimum.")
    tour.picture("descent.png", lambda p: plots.plot_descent(_bowl, p, path))


# --- 7 and 8. learning from data ---------------------------------------------------------


def report_data(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """y = 2x + 5 + 0.1·noise at n standard-normal points x (shapes (n, 1))."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1))
    return x, 2.0 * x + 5.0 + 0.1 * rng.standard_normal((n, 1))


def _mse(params: list[Any], x: np.ndarray, y: np.ndarray) -> Any:
    w, b = params
    return mean((x @ w + b - y) ** 2)


def _bar(n: int, desc: str) -> Any:
    return tqdm(range(n), desc=desc, leave=False, disable=None)


def chapter_linear(tour: Tour) -> None:
    """Linear regression y = w x + b by gradient descent on the mean squared error."""
    x, y = report_data()
    rng = np.random.default_rng(42)
    params = [0.1 * rng.standard_normal((1, 1)), np.zeros(1)]
    step, losses = value_and_grad(_mse), []
    for _ in _bar(100, "linear regression"):
        loss, grads = step(params, x, y)
        params = [p - 0.01 * g for p, g in zip(params, grads, strict=True)]
        losses.append(float(loss))
    rows = [(str(e), f"{losses[e - 1]:.4f}") for e in (1, 10, 25, 50, 75, 100)]
    print("Loss = mean((w x + b - y)²), lr 0.01, 100 full-batch steps, data y = 2x + 5 + noise:")
    print(text_table(("epoch", "loss"), rows, right=[True, True]))
    w, b = float(params[0][0, 0]), float(params[1][0])
    print(f"w = {w:.4f}, b = {b:.4f} (true 2 and 5): still on the way, as in the report.")
    print(f"The loss fell at every step: {all(np.diff(losses) < 0)}")
    tour.losses["linear"] = losses
    tour.picture("linear_loss.png", lambda p: plots.plot_loss(losses, p, title="Linear regression"))


def chapter_mlp(tour: Tour) -> None:
    """The report's MLP 1-10-1 (ReLU), trained with dd.nn and dd.optim.SGD."""
    x, y = report_data()
    model = nn.MLP([1, 10, 1], rng=42)
    opt = optim.SGD(model.parameters(), lr=0.01)
    losses, rows = [], []
    for epoch in _bar(1000, "MLP 1-10-1"):
        opt.zero_grad()
        with Tape():
            loss = nn.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.value))
        if epoch % 100 == 0 or epoch == 999:
            rows.append((str(epoch + 1), f"{losses[-1]:.4f}"))
    print(f"{model}\nlr 0.01, 1000 full-batch steps on the same data:")
    print(text_table(("epoch", "loss"), rows, right=[True, True]))
    print(f"final loss {losses[-1]:.4f} (the noise alone gives about 0.01)")
    curves = {"linear (100 steps)": tour.losses.get("linear", []), "MLP 1-10-1": losses}
    curves = {k: v for k, v in curves.items() if v}
    tour.picture("loss_curves.png", lambda p: plots.plot_loss(curves, p, title="Training loss"))


# --- 9. the two modes ----------------------------------------------------------------------


def chapter_modes(tour: Tour) -> None:
    """Cost of f, of a forward pass and of a reverse pass; where the modes cross over."""
    fwd = baydin(Dual(2.0, 1.0), Dual(5.0, 0.0)).tangent
    g = evaluation_trace(baydin, 2.0, 5.0).gradient[0]
    print(f"Both modes agree on df/dx1: forward {fwd!r}, reverse {g!r}\n")
    print(cost(baydin, 2.0, 5.0))
    print("On scalars Python's overhead per op dominates. On arrays the arithmetic does, and")
    print("one reverse gradient costs a small multiple of f (the cheap gradient principle):\n")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((500, 500)) / 20
    big = cost(lambda x: np.sum(np.tanh(w @ np.tanh(w @ x))), rng.standard_normal(500))
    print(big)
    print(f"gradient / f = {big.time_reverse / big.time_f:.1f}, for n = {big.n} inputs at once")
    print("\nFull Jacobian of f(x) = 2 tanh(A x) + 1, f: R^n -> R^m, one direction per pass:")
    result = crossover((1, 4, 16, 64), (1, 4, 16, 64), repeat=3)
    print(result)
    print("Forward mode pays per input (n passes), reverse mode per output (m sweeps):")
    print("gradients (m = 1) favour reverse mode, tall Jacobians (n << m) forward mode.")
    tour.picture("cost.png", lambda p: plots.plot_cost(result, p, m=1))


# --- 10. static and dynamic graphs ------------------------------------------------------------


def _branchy(x: Any) -> Any:
    return x * x if x > 0 else -x


def chapter_graphs(tour: Tour) -> None:
    """Dynamic graphs record every call; a static graph is recorded once and replayed."""
    x, y = report_data()
    params = [np.full((1, 1), 0.5), np.zeros(1)]
    dynamic, static = value_and_grad(_mse), compile(_mse)
    t_dyn = _per_call(lambda: dynamic(params, x, y))
    t_sta = _per_call(lambda: static(params, x, y))
    same = np.allclose(dynamic(params, x, y)[1][0], static(params, x, y)[1][0], rtol=1e-12)
    print("value_and_grad of the regression loss, 100 points:")
    print(f"  dynamic (record each call):     {t_dyn * 1e6:8.1f} µs per call")
    print(f"  static  (dd.compile, replayed): {t_sta * 1e6:8.1f} µs per call")
    print(f"  same gradients: {same}; recordings {static.recordings}, replays {static.replays}")
    with Tape() as tape:
        v = Var(1.0)
        out = _branchy(v)
    print("\nf(x) = x·x if x > 0 else -x, recorded at x = 1 (the x > 0 branch):")
    print(f"  a plain replay of that tape at x = -2 gives {replay(tape, out, -2.0)!r}: wrong,")
    print(f"  the program itself gives {_branchy(-2.0)!r}: the graph depends on the data.")
    guarded = compile(_branchy)
    guarded(1.0)
    value, grad = guarded(-2.0)
    print(f"  dd.compile guards the branch: f(-2) = {value!r}, f'(-2) = {grad!r}, ", end="")
    print(f"recordings {guarded.recordings} (it recorded again).")


def _per_call(fn: Callable[[], Any], calls: int = 200) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


CHAPTERS: list[tuple[str, Callable[[Tour], None]]] = [
    ("Numerical differentiation and its error", chapter_numeric),
    ("Symbolic rules", chapter_rules),
    ("Forward mode: the evaluation trace", chapter_forward),
    ("Reverse mode: the adjoint trace", chapter_reverse),
    ("The gradient grid of x² + y²", chapter_grid),
    ("Gradient descent", chapter_descent),
    ("Linear regression", chapter_linear),
    ("The MLP", chapter_mlp),
    ("The two modes compared", chapter_modes),
    ("Static and dynamic graphs", chapter_graphs),
]


def run(chapters: list[int], out: Path, draw: bool = True) -> Tour:
    """Run the chosen chapters (1-based) in order; return what they wrote."""
    tour = Tour(Path(out), draw and plots.available(), files=draw)
    if draw and not tour.draw:
        print("matplotlib is not installed: the tour runs as text only")
        print("(pip install 'dualdiff-ad[plot]' to get the pictures)")
    start = time.perf_counter()
    for k in chapters:
        title, chapter = CHAPTERS[k - 1]
        print(f"\n== Chapter {k}: {title} ==\n")
        chapter(tour)
    print(f"\nThe tour took {time.perf_counter() - start:.1f} s.", end="")
    print(f" Pictures and graphs are in {tour.out}/" if tour.written else "")
    return tour
