"""Bad input gets a clear error: it names the op, the shapes or types, and what to do."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import dualdiff as dd


def dual(*shape: int) -> dd.Dual:
    return dd.Dual(np.ones(shape), np.ones(shape))


def in_tape(fn: Callable[[dd.Var], Any], *shape: int) -> Callable[[], Any]:
    def run() -> Any:
        with dd.Tape():
            return fn(dd.Var(np.ones(shape)))

    return run


# --- an op with no rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: np.nancumsum(dual(3)), r"np\.nancumsum"),
        (lambda: np.spacing(dual(3)), r"np\.spacing"),
        (in_tape(np.nancumsum, 3), r"np\.nancumsum"),
        (in_tape(lambda x: np.multiply.outer(x, x), 3), r"np\.multiply\.outer"),
    ],
    ids=["dual-function", "dual-ufunc", "var-function", "var-ufunc-method"],
)
def test_no_rule_names_the_function_and_points_at_register_op(call: Any, name: str) -> None:
    with pytest.raises(TypeError, match=rf"no derivative rule for {name}.*dd\.register_op"):
        call()


@pytest.mark.parametrize("fn", [math.sin, math.exp, math.sqrt], ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "make", [lambda: dd.Dual(0.5, 1.0), lambda: dd.Var(0.5)], ids=["Dual", "Var"]
)
def test_math_module_on_a_tracer_says_it_drops_the_derivative(fn: Any, make: Any) -> None:
    with pytest.raises(TypeError, match=r"math-module.*drop its derivative.*dd\.register_op"):
        fn(make())


# --- shape mismatches: the op and both shapes -------------------------------------------------


@pytest.mark.parametrize(
    "call, op, shapes",
    [
        (lambda: dual(2) + np.ones(3), "add", ["(2,)", "(3,)"]),
        (lambda: dd.multiply(np.ones((2, 3)), dual(2)), "multiply", ["(2, 3)", "(2,)"]),
        (lambda: dual(2, 3) @ np.ones((2, 2)), "matmul", ["(2, 3)", "(2, 2)"]),
        (in_tape(lambda x: x @ np.ones((4, 1)), 3), "matmul", ["(3,)", "(4, 1)"]),
        (lambda: dd.concatenate([dual(2), np.ones((2, 2))]), "concatenate", ["(2,)", "(2, 2)"]),
        (lambda: dd.reshape(dual(2, 3), (4,)), "reshape", ["(2, 3)", "(4,)"]),
        (in_tape(lambda x: dd.broadcast_to(x, (3,)), 2), "broadcast_to", ["(2,)", "(3,)"]),
        (lambda: dd.where(np.ones(4) > 0, dual(3), 0.0), "where", ["(4,)", "(3,)"]),
    ],
    ids=[
        "add",
        "multiply",
        "matmul",
        "matmul-var",
        "concatenate",
        "reshape",
        "broadcast_to",
        "where",
    ],
)
def test_shape_mismatch_names_the_op_and_the_shapes(call: Any, op: str, shapes: list[str]) -> None:
    with pytest.raises(ValueError, match=rf"'{op}'") as info:
        call()
    for shape in shapes:
        assert shape in str(info.value)


def test_tangent_that_does_not_fit_the_primal() -> None:
    with pytest.raises(ValueError, match=r"Dual: tangent of shape \(3,\).*primal of shape \(2,\)"):
        dd.Dual(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"jvp: tangent 0.*\(3,\).*\(2,\)"):
        dd.jvp(dd.sin, (np.ones(2),), (np.ones(3),))


def test_cotangent_that_does_not_fit_the_output() -> None:
    with dd.Tape() as tape:
        x = dd.Var(np.ones(2))
        y = x * 2.0
    with pytest.raises(
        ValueError, match=r"output_gradient has shape \(3,\).*target has shape \(2,\)"
    ):
        tape.gradient(y, [x], output_gradient=np.ones(3))
    _, vjp_fn = dd.vjp(lambda x: x * 2.0, np.ones(2))
    with pytest.raises(ValueError, match=r"vjp_fn: cotangent.* \(3,\).*output.* \(2,\)"):
        vjp_fn(np.ones(3))


def test_gradient_of_a_non_scalar_points_at_jacobians() -> None:
    with pytest.raises(ValueError, match=r"shape \(2,\).*dd\.jacrev"):
        dd.grad(lambda x: x * 2.0)(np.ones(2))
    with dd.Tape() as tape:
        x = dd.Var(np.ones(2))
        y = x * 2.0
    with pytest.raises(ValueError, match=r"non-scalar output \(shape \(2,\)\).*dd\.jacrev"):
        tape.gradient(y, [x])


# --- conversions that would drop the derivative -----------------------------------------------


@pytest.mark.parametrize(
    "convert, what",
    [
        (float, r"float\(\)"),
        (int, r"int\(\)"),
        (complex, r"complex\(\)"),
        (np.asarray, "NumPy array"),
    ],
    ids=["float", "int", "complex", "asarray"],
)
@pytest.mark.parametrize(
    "make", [lambda: dd.Dual(2.0, 1.0), lambda: dd.Var(2.0)], ids=["Dual", "Var"]
)
def test_conversion_of_a_tracer_says_it_drops_the_derivative(
    convert: Any, what: str, make: Any
) -> None:
    value = make()
    kind = type(value).__name__
    with pytest.raises(
        TypeError, match=rf"{what}.* of a {kind} would drop its derivative.*\.primal"
    ):
        convert(value)


def test_assigning_into_a_tracer_is_refused() -> None:
    with pytest.raises(TypeError, match=r"immutable.*dd\.where"):
        dual(3)[0] = 1.0


# --- backward without a tape ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make", [lambda: dd.Var(1.0), lambda: dd.Var(1.0) * 2.0], ids=["leaf", "op-outside-a-tape"]
)
def test_backward_on_a_value_no_tape_recorded(make: Any) -> None:
    with pytest.raises(dd.TapeError, match=r"no tape recorded.*with dd\.Tape\(\):.*dd\.grad"):
        make().backward()


def test_var_of_a_finished_tape_cannot_join_a_new_one() -> None:
    with dd.Tape():
        y = dd.Var(1.0) * 2.0
    with pytest.raises(dd.TapeError, match=r"'multiply'.*finished.*stop_gradient"), dd.Tape():
        y * 3.0


# --- non-numeric inputs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, kind",
    [
        (lambda: dd.Dual("abc"), "str"),
        (lambda: dd.Dual(1.0, "x"), "str"),
        (lambda: dd.Var(["a", "b"]), "list"),
        (lambda: dd.Var(None), "NoneType"),
        (lambda: dd.Var({"a": 1.0}), "dict"),
    ],
    ids=["Dual-str", "tangent-str", "Var-list-of-str", "Var-None", "Var-dict"],
)
def test_non_numeric_values_cannot_be_traced(call: Any, kind: str) -> None:
    with pytest.raises(TypeError, match=rf"numbers and numeric arrays, got {kind}.*dtype=float"):
        call()


@pytest.mark.parametrize(
    "call, op, kind",
    [
        (lambda: dd.sin("abc"), "sin", "str"),
        (lambda: dd.Dual(1.0, 1.0) + "a", "add", "str"),
        (lambda: dd.Var(1.0) * None, "multiply", "NoneType"),
    ],
    ids=["sin-str", "Dual-plus-str", "Var-times-None"],
)
def test_non_numeric_operand_names_the_op_and_the_type(call: Any, op: str, kind: str) -> None:
    with pytest.raises(TypeError, match=rf"'{op}' failed on \(.*{kind}.*numbers, numeric arrays"):
        call()


def test_transforms_refuse_non_numeric_and_complex_arguments() -> None:
    with pytest.raises(TypeError, match=r"grad: argument 0.*str.*argnums"):
        dd.grad(lambda x: x)("a")
    with pytest.raises(TypeError, match=r"grad requires a real-valued output.*complex128"):
        dd.grad(lambda x: x)(1j)


def test_index_arrays_must_be_integer_or_boolean() -> None:
    with pytest.raises(IndexError, match=r"integer or boolean, got dtype float64.*astype\(int\)"):
        dual(3)[np.array([0.5])]


# --- registering ------------------------------------------------------------------------------


def test_registering_a_name_twice_raises() -> None:
    with pytest.raises(ValueError, match=r"'add' is already registered"):
        dd.register_op("add", np.add, jvp=None, vjp=None)
    dd.register_op("test_errors_once", np.negative, jvp=lambda t, a, x: -t, vjp=lambda g, a, x: -g)
    try:
        with pytest.raises(ValueError, match=r"'test_errors_once' is already registered"):
            dd.register_elementwise("test_errors_once", np.negative, derivs=-1)
    finally:
        del dd.REGISTRY["test_errors_once"]


def test_rule_counts_must_match_the_inputs() -> None:
    with pytest.raises(ValueError, match=r"'test_errors_counts' has 2 JVP rule\(s\) but 1 VJP"):
        dd.register_op("test_errors_counts", np.add, jvp=(None, None), vjp=(None,))
    with pytest.raises(TypeError, match=r"'add' takes 2 positional input\(s\), got 1"):
        dd.add(1.0)


@pytest.mark.parametrize(
    "axes", [(1, 0), (2,), (0, 0)], ids=["too-many", "out-of-range", "repeated"]
)
def test_transpose_axes_must_be_a_permutation(axes: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=rf"transpose: axes {re.escape(str(axes))}.*shape \(2,\)"):
        dd.transpose(dual(2), axes)


@pytest.mark.parametrize(
    "call, op",
    [
        (lambda: dd.moveaxis(dual(2, 3), 2, 0), "moveaxis"),
        (lambda: dd.moveaxis(dual(2, 3), 0, -3), "moveaxis"),
        (lambda: dd.swapaxes(dual(2, 3), 0, 5), "swapaxes"),
    ],
    ids=["moveaxis-source", "moveaxis-destination", "swapaxes"],
)
def test_axis_out_of_bounds_names_the_op(call: Any, op: str) -> None:
    with pytest.raises(ValueError, match=rf"{op}: axis -?\d is out of bounds for 2 dimension"):
        call()
