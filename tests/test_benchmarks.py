"""The benchmark suite on tiny sizes: every dualdiff case agrees with the hand-written
reference, and the hand-written limits agree with independent derivatives.
Correctness only: speed is measured by ``python -m benchmarks``, never asserted."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks import problems as P
from benchmarks.cases import WORKLOADS, Sizes, Skip, hand_written
from benchmarks.dd_cases import cases as dd_cases
from benchmarks.run import medians, table, targets, with_ratios

TINY = Sizes(
    w1_layers=(2, 3, 1),
    w1=((3, "tanh"), (2, "relu")),
    w3=(((1, 4, 1), 7, "mse"), ((5, 4, 3), 6, "ce"), ((5, 4, 4, 3), 6, "ce")),
    w3_dtypes=("float64", "float32"),
    w4=(3, 5),
    w5=6,
    w6=(50,),
)

DD_CASES = [c for w in WORKLOADS for c in dd_cases(w, TINY)]


@pytest.mark.parametrize(
    "case", DD_CASES, ids=[f"{c.workload}-{c.problem}-{c.variant}" for c in DD_CASES]
)
def test_dualdiff_matches_the_reference(case):
    try:
        fn, err = case.make()
    except Skip as why:
        pytest.skip(str(why))
    assert err <= case.tol
    fn()  # a second run (a replay, a second training step) works too


@pytest.mark.parametrize("workload", WORKLOADS)
def test_limits_run(workload):
    for case in hand_written(workload, TINY):
        fn, err = case.make()
        assert err <= case.tol
        fn()


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_w1_limit_gradient_matches_finite_differences():
    params, xs, ys = P.w1_problem((2, 3, 1), 4)
    flat = P.w1_flatten(params)
    _, grad = P.w1_limit(params, xs, ys, "tanh")
    for k in (0, 5, len(flat) - 1):

        def loss(v, k=k):
            shifted = [*flat[:k], v, *flat[k + 1 :]]
            return P.w1_loss(P.w1_unflatten(shifted, (2, 3, 1)), xs, ys, math.tanh)

        assert grad[k] == pytest.approx(central(loss, flat[k]), rel=1e-7, abs=1e-9)


def test_w2_limit_is_the_reports_answer():
    assert P.w2_limit(2.0, 5.0) == (5.5, 2.0 - math.cos(5.0))


def test_w4_and_w5_limits_match_finite_differences():
    a, x = P.w4_problem(4)
    f = lambda v: np.tanh(a @ v) * np.sin(v)
    jac = np.stack([central(lambda t, e=e: f(x + t * e), 0.0) for e in np.eye(4)], axis=1)
    np.testing.assert_allclose(P.w4_limit(a, x), jac, rtol=1e-7, atol=1e-9)
    a, x, v = P.w5_problem(5)

    def grad(y):
        return a.T @ (1.0 / (1.0 + np.exp(-(a @ y))))

    np.testing.assert_allclose(P.w5_limit(a, x, v), central(lambda t: grad(x + t * v), 0.0),
                               rtol=1e-7)  # fmt: skip


def test_w1_node_count_follows_micrograd():
    # 1-1 net on one point: 2 params; acc = b + w*x (x wrapped: 3 nodes); d = acc - y
    # (-y wrapped + add: 2 nodes); d*d: 1 node -> 2 + 3 + 2 + 1 = 8
    assert P.w1_nodes((1, 1), 1) == 8


def test_ratios_and_targets_are_read_from_the_same_run():
    common = {"units": 1, "unit": "call", "chain": False, "other_cores": 0.0, "err": 0.0}
    records = [
        {"workload": "W5", "problem": "n=1000", "group": "hand-written", "variant": "NumPy",
         "status": "ok", "median_s": 2e-4, "limit": True, **common},
        {"workload": "W5", "problem": "n=1000", "group": "dualdiff", "variant": "dd.hvp",
         "status": "ok", "median_s": 3e-4, "limit": False, **common},
    ]  # fmt: skip
    with_ratios(records)
    assert records[1]["ratio"] == pytest.approx(1.5)
    assert "| W5 | n=1000 | dd.hvp | <= 1.6 x limit | 1.50 x limit | yes |" in targets(records)
    assert "1.50" in table(records)


def test_targets_of_several_runs_are_judged_by_their_median():
    common = {"units": 1, "unit": "call", "chain": False, "other_cores": 0.0, "err": 0.0}

    def run(hvp_s):
        return with_ratios([
            {"workload": "W5", "problem": "n=1000", "group": "hand-written", "variant": "NumPy",
             "status": "ok", "median_s": 1e-3, "limit": True, **common},
            {"workload": "W5", "problem": "n=1000", "group": "dualdiff", "variant": "dd.hvp",
             "status": "ok", "median_s": hvp_s, "limit": False, **common},
        ])  # fmt: skip

    text = medians([run(1.5e-3), run(2.0e-3), run(1.2e-3)])  # 1.5, 2.0, 1.2: median 1.5
    assert "| 1.50 | 2.00 | 1.20 | 1.50 | yes |" in text
    assert "| 1.70 | 2.00 | 1.80 | 1.80 | **no** |" in medians(
        [run(1.7e-3), run(2.0e-3), run(1.8e-3)]
    )


def test_gpu_benchmark_variants_match_the_reference_on_numpy():
    """benchmarks/gpu.py's variants, run on NumPy arrays at a tiny size: each one-step
    update agrees with the float64 hand-written step (the GPU run checks the same)."""
    from benchmarks import gpu

    ref = gpu.reference(np, (5, 4, 3), 6)
    variants = gpu.build(np, (5, 4, 3), 6, ref)
    measured = {n: v for n, v in variants.items() if isinstance(v, tuple)}
    assert set(measured) >= {n for n in gpu.VARIANTS if "torch" not in n and "jax" not in n}
    for _, err in measured.values():
        assert err < 1e-5  # float32 against float64
    figures = gpu.measure(variants, reps=1, min_time=0.0)
    assert figures[gpu.LIMIT]["ratio"] == 1.0
    assert len(gpu.table("tiny", variants, figures)) == len(gpu.VARIANTS)


def test_gpu_benchmark_without_a_gpu_says_so(monkeypatch, capsys):
    from benchmarks import gpu

    monkeypatch.setattr(gpu, "find_gpu", lambda: None)
    for var in ("CUPY_TF32", "NVIDIA_TF32_OVERRIDE", "XLA_PYTHON_CLIENT_PREALLOCATE"):
        monkeypatch.setenv(var, "")  # main sets them; monkeypatch puts them back afterwards
    assert gpu.main([]) == 0
    assert "no GPU" in capsys.readouterr().out
