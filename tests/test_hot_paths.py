"""The engine's fast paths give the results of the general ones: operators recorded
straight from ``Var``, watched parameters, cotangents added in place, and the
garbage-collector pause around transforms and tapes."""

from __future__ import annotations

import gc
import math
import threading

import numpy as np
import pytest

import dualdiff as dd


def test_operators_on_parameters_and_constants_record_exactly():
    w, b = dd.Var(0.5), dd.Var(-1.0)  # made before the tape: watched parameters
    with dd.Tape() as tape:
        x = dd.Var(2.0)
        y = (w * x + b) * (3.0 - x) / (x**2.0) + 1 - w
    gw, gb, gx = tape.gradient(y, [w, b, x])
    # y = (w x + b)(3 - x) / x^2 + 1 - w
    assert gw == pytest.approx(x.value * (3 - 2.0) / 4.0 - 1.0)
    assert gb == pytest.approx((3 - 2.0) / 4.0)
    f = lambda t: (0.5 * t - 1.0) * (3.0 - t) / t**2
    assert gx == pytest.approx((f(2 + 1e-6) - f(2 - 1e-6)) / 2e-6, rel=1e-8)
    assert len(tape) == 8 and len(tape.leaves) == 3


def test_nested_tapes_still_take_the_general_path():
    x = dd.Var(3.0)
    with dd.Tape() as outer:
        with dd.Tape() as inner:
            y = x * x * x
        (dy,) = inner.gradient(y, [x])  # 3 x^2, recorded on the outer tape
    (d2y,) = outer.gradient(dy, [x])
    assert float(dy.value) == 27.0 and d2y == pytest.approx(18.0)


def test_cotangents_added_in_place_leave_shared_ones_alone():
    # u = x + w hands one cotangent object to both x and w; x then gets two more
    # contributions. Adding them in place must not change w's.
    def f(x, w):
        u = x + w
        return dd.sum(u * 3.0 + x * 5.0 + dd.sin(x) * 7.0)

    x, w = np.array([0.1, 0.2]), np.array([1.0, 2.0])
    gx, gw = dd.grad(f, argnums=(0, 1))(x, w)
    np.testing.assert_allclose(gx, 3.0 + 5.0 + 7.0 * np.cos(x), rtol=1e-15)
    np.testing.assert_array_equal(gw, [3.0, 3.0])


def test_in_place_sums_keep_dtypes():
    x = np.ones(3, np.float32)
    g = dd.grad(lambda v: dd.sum(v * v + v * 2.0 + v))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [5.0, 5.0, 5.0])


def test_the_collector_pauses_only_while_recording():
    assert gc.isenabled()
    with dd.Tape():
        assert not gc.isenabled()
        dd.grad(lambda t: t * t)(1.0)
        assert not gc.isenabled()  # the inner transform ended, the tape still records
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), dd.Tape():
        raise ZeroDivisionError
    assert gc.isenabled()


def test_a_collector_disabled_by_the_user_stays_disabled():
    gc.disable()
    try:
        dd.grad(lambda t: dd.sin(t))(1.0)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_resumes_after_concurrent_tapes():
    barrier = threading.Barrier(4)
    results = []

    def work(k):
        barrier.wait()
        for _ in range(50):
            results.append(dd.grad(lambda t: dd.exp(t) * k)(0.0))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()
    assert sorted(set(results)) == [0.0, 1.0, 2.0, 3.0]


def test_float_gradients_stay_python_floats():
    g = dd.grad(lambda a, b: dd.log(a) + a * b - dd.sin(b), argnums=(0, 1))(2.0, 5.0)
    assert g == (5.5, 2.0 - math.cos(5.0))
    assert all(type(v) is float for v in g)
