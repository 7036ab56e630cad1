"""dd.array / dd.asarray of nested lists of traced values, astype and copy; and the
errors of NumPy's own np.array and buffer assignment on traced values."""

from __future__ import annotations

import numpy as np
import pytest

import dualdiff as dd


def test_plain_nested_lists_give_plain_ndarrays() -> None:
    for obj in ([[1, 2], [3, 4]], [1.5, 2.0], ((1, 2), (3, 4)), [], 3.0):
        for make, ref in ((dd.array, np.array), (dd.asarray, np.asarray)):
            out = make(obj)
            assert type(out) is np.ndarray
            np.testing.assert_array_equal(out, ref(obj))
            assert out.dtype == ref(obj).dtype
    assert dd.array([1, 2], dtype=np.float32).dtype == np.float32
    a = np.ones(3)
    assert dd.asarray(a) is a and dd.array(a) is not a


def f_scalars(x):
    return dd.sum(dd.array([[x, 2 * x], [x * x, 1.0]]))  # x + 2x + x^2 + 1


@pytest.mark.parametrize("x", [0.5, -1.25, 3.0])
def test_scalars_both_modes_and_nested(x: float) -> None:
    assert dd.grad(f_scalars)(x) == pytest.approx(3 + 2 * x, rel=1e-15)
    assert dd.derivative(f_scalars)(x) == pytest.approx(3 + 2 * x, rel=1e-15)
    assert dd.grad(dd.grad(f_scalars))(x) == pytest.approx(2.0)
    assert dd.derivative(dd.grad(f_scalars))(x) == pytest.approx(2.0)


def test_shape_and_values_follow_numpy() -> None:
    with dd.Tape():
        x, y = dd.Var(2.0), dd.Var(np.array([1.0, -1.0]))
        a = dd.array([[x, 1.0], [3.0, x * x]])
        b = dd.array([y, [5.0, 6.0], y * x])  # traced rows beside a plain one
        c = dd.array((y, (x, x)))  # tuples, and a row built from scalars
    np.testing.assert_array_equal(a.value, np.array([[2.0, 1.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(b.value, np.array([[1.0, -1.0], [5.0, 6.0], [2.0, -2.0]]))
    np.testing.assert_array_equal(c.value, np.array([[1.0, -1.0], [2.0, 2.0]]))


def test_jacobians_of_a_built_matrix() -> None:
    def f(v):  # [[v0, v1], [v0 v1, 2]]
        return dd.array([[v[0], v[1]], [v[0] * v[1], 2.0]])

    v = np.array([3.0, -2.0])
    expected = np.array([[[1, 0], [0, 1]], [[v[1], v[0]], [0, 0]]])
    np.testing.assert_array_equal(dd.jacfwd(f)(v), expected)
    np.testing.assert_array_equal(dd.jacrev(f)(v), expected)


def test_python_numbers_are_weak_beside_float32() -> None:
    x = np.float32(1.5)
    out = dd.jvp(lambda x: dd.array([x, 2.0, 3]), (x,), (np.float32(1.0),))
    assert out[0].dtype == np.result_type(np.float32, 2.0, 3) == np.float32
    assert out[1].dtype == np.float32
    np.testing.assert_array_equal(out[1], [1.0, 0.0, 0.0])
    g = dd.grad(lambda x: dd.sum(dd.array([x, 2.0]) ** 2))(x)
    assert g.dtype == np.float32 and g == np.float32(3.0)
    # an array beside it counts as NumPy counts it
    mixed = dd.jvp(lambda x: dd.array([x, np.float64(2.0)]), (x,), (np.float32(1.0),))[0]
    assert mixed.dtype == np.result_type(np.float32, np.float64)


def test_dtype_argument() -> None:
    with dd.Tape() as tape:
        x = dd.Var(1.25)
        a = dd.array([x, 2 * x], dtype=np.float32)
        s = dd.sum(a)
    assert a.dtype == np.float32
    assert tape.gradient(s, x) == 3.0
    ints = dd.array([dd.Var(1.7), 2.2], dtype=int)  # an integer array has no derivative
    assert type(ints) is np.ndarray and ints.tolist() == [1, 2]


def test_ragged_input_names_where() -> None:
    x = dd.Var(1.0)
    with pytest.raises(ValueError, match=r"top level is ragged.*entry 0 has shape \(2,\).*\(1,\)"):
        dd.array([[x, x], [x]])
    with pytest.raises(ValueError, match=r"obj\[0\] is ragged"):
        dd.array([[[x, x], [x]]])
    with pytest.raises(ValueError, match=r"obj\[1\] is ragged"):
        dd.array([[x, 1.0], [[1.0], [2.0, 3.0]]])
    with pytest.raises(ValueError):
        dd.array([[1.0], [2.0, 3.0]])  # plain ragged input: NumPy's own ValueError


def test_asarray_and_copy_keep_a_traced_value() -> None:
    x = dd.Var(np.arange(3.0))
    assert dd.asarray(x) is x and dd.array(x) is x and dd.copy(x) is x and np.copy(x) is x
    assert dd.asarray(x, dtype=np.float64) is x
    a = np.arange(3.0)
    b = dd.copy(a)
    assert b is not a and np.array_equal(a, b)


def test_array_replays_under_compile() -> None:
    def f(v):
        return dd.sum(dd.array([v[0] * v[1], v[0]]) ** 2)

    compiled = dd.compile(f)
    for v in (np.array([1.0, 2.0]), np.array([-3.0, 0.5])):
        value, grad = compiled(v)
        # (v0 v1)^2 + v0^2
        assert value == pytest.approx((v[0] * v[1]) ** 2 + v[0] ** 2)
        expected = [2 * v[0] * v[1] ** 2 + 2 * v[0], 2 * v[1] * v[0] ** 2]
        np.testing.assert_allclose(grad, expected, rtol=1e-14)


# --- astype -------------------------------------------------------------------------


def test_astype_between_floats_keeps_the_derivative() -> None:
    x = np.array([0.5, -1.5], dtype=np.float32)
    g = dd.grad(lambda x: dd.sum(x.astype(np.float64) ** 3))(x)
    assert g.dtype == np.float32  # the cotangent is cast back to the input's dtype
    np.testing.assert_allclose(g, 3 * x.astype(np.float64) ** 2, rtol=1e-7)
    out, tangent = dd.jvp(lambda x: dd.astype(x, np.float32), (2.0,), (1.0,))
    assert out.dtype == tangent.dtype == np.float32 and tangent == 1.0


def test_astype_to_integers_is_plain_with_zero_derivative() -> None:
    def f(x):
        return x * x.astype(int)  # d/dx = int(x) where the cast is constant

    for x in (2.7, -1.2):
        assert dd.grad(f)(x) == int(x) == dd.derivative(f)(x)
    with dd.Tape():
        flags = dd.Var(np.array([0.0, 2.0])).astype(bool)
    assert type(flags) is np.ndarray and flags.tolist() == [False, True]
    with pytest.raises(TypeError, match="dtype <U3"):
        dd.Var(1.0).astype("U3")


def test_integer_casts_are_guards_under_compile() -> None:
    f = dd.compile(lambda x: x * x.astype(int), on_branch_change="raise")
    assert f(2.5) == (5.0, 2.0)
    assert f(2.25) == (4.5, 2.0)
    with pytest.raises(dd.BranchChanged, match="astype"):
        f(3.5)


@pytest.mark.skipif(not hasattr(np, "astype"), reason="np.astype is NumPy >= 2.1")
def test_np_astype_routes_to_the_op() -> None:
    assert dd.grad(lambda x: np.astype(x, np.float32) * 3.0)(1.0) == 3.0


# --- NumPy's own constructors: an error that says what to call instead --------------


def test_np_array_of_tracers_says_use_dd_array() -> None:
    def f(x):
        return np.array([x, 2 * x])

    for transform in (dd.grad, dd.derivative):
        with pytest.raises(TypeError) as info:
            transform(f)(1.0)
        text = str(info.value)
        assert "dd.array([...])" in text and "dd.stack" in text
        assert "test_creation.py" in text and "np.array([x, 2 * x])" in text  # where


def test_assigning_into_a_numpy_buffer() -> None:
    def by_slice(x):
        out = np.zeros((2, 3))
        out[0] = x
        return out

    with pytest.raises(TypeError, match=r"dd\.array.*"):
        dd.grad(lambda x: np.sum(by_slice(x)))(np.ones(3))

    def by_element(x):
        out = np.zeros(2)
        out[0] = x
        return out

    # NumPy turns any error of float(x) into its own ValueError for a single element;
    # the TypeError it chains, printed first, says what to do
    with pytest.raises(ValueError) as info:
        dd.grad(lambda x: np.sum(by_element(x)))(1.0)
    cause = info.value.__cause__
    assert isinstance(cause, TypeError) and "dd.array" in str(cause)
    assert "out[0] = x" in str(cause)
