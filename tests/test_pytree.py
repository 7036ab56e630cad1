"""Pytrees: flattening and rebuilding every kind of node, and the transforms over pytrees.

Gradients and Jacobians are checked against closed forms written by hand; the
layout of pytree Jacobians follows JAX (output structure outside, input
structure inside).
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dualdiff as dd
from dualdiff.pytree import tree_flatten, tree_leaves, tree_map, tree_unflatten

Point = namedtuple("Point", ["x", "y"])

TREES = {
    "leaf": 1.5,
    "array": np.arange(3.0),
    "list": [1.0, 2.0, 3.0],
    "tuple": (1.0, np.ones(2)),
    "dict": {"b": 2.0, "a": 1.0, "c": np.zeros(2)},
    "namedtuple": Point(1.0, 2.0),
    "none": None,
    "with_none": [1.0, None, {"k": None, "v": 2.0}],
    "empty": [(), [], {}],
    "nested": {"layers": [{"w": np.ones((2, 2)), "b": np.zeros(2)}, (Point(3.0, [4.0]), None)]},
}


def same(a: Any, b: Any) -> None:
    """Structure, container types and leaves all equal."""
    la, ta = tree_flatten(a)
    lb, tb = tree_flatten(b)
    assert ta == tb
    assert [type(x) for x in la] == [type(x) for x in lb]
    for x, y in zip(la, lb, strict=True):
        np.testing.assert_array_equal(x, y)
    assert tree_map(lambda x: 0, a) == tree_map(lambda x: 0, b)  # the same containers


@pytest.mark.parametrize("name", TREES)
def test_flatten_then_unflatten_gives_the_tree_back(name: str) -> None:
    tree = TREES[name]
    leaves, td = tree_flatten(tree)
    assert td.num_leaves == len(leaves)
    rebuilt = tree_unflatten(td, leaves)
    same(rebuilt, tree)
    assert type(rebuilt) is type(tree)


def test_leaf_order_and_counts() -> None:
    leaves, td = tree_flatten({"b": [3.0, 4.0], "a": (1.0, None, 2.0)})
    assert leaves == [1.0, 2.0, 3.0, 4.0]  # dict keys sorted, like JAX
    assert td.num_leaves == 4
    assert str(td) == "{'a': (*, None, *), 'b': [*, *]}"
    assert tree_flatten(None)[0] == [] and tree_flatten([])[0] == []
    assert tree_leaves({1: "one", "x": 2}) == [2, "one"]  # mixed keys sort by repr
    assert str(tree_flatten(Point(1, (2,)))[1]) == "Point(*, (*,))"


def test_dict_subclasses_come_back_as_dicts() -> None:
    leaves, td = tree_flatten(OrderedDict([("z", 1.0), ("a", 2.0)]))
    assert leaves == [2.0, 1.0]
    assert tree_unflatten(td, [5.0, 6.0]) == {"a": 5.0, "z": 6.0}


def test_structures_compare_by_kind_keys_and_shape_of_nesting() -> None:
    td = lambda t: tree_flatten(t)[1]
    assert td([1.0, 2.0]) == td([3.0, np.ones(4)])
    assert td([1.0, 2.0]) != td((1.0, 2.0))
    assert td({"a": 1.0}) != td({"b": 1.0})
    assert td(Point(1.0, 2.0)) != td((1.0, 2.0))
    assert td([1.0, [2.0]]) != td([[1.0], 2.0])
    assert hash(td({"a": [1.0]})) == hash(td({"a": [7.0]}))


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 20_000
    tree: Any = 1.0
    for _ in range(depth):
        tree = [tree]
    leaves, td = tree_flatten(tree)
    assert leaves == [1.0] and len(td.nodes) == depth + 1
    rebuilt = tree_unflatten(td, [2.0])
    assert tree_flatten(rebuilt)[1] == td
    assert str(td) == "[" * depth + "*" + "]" * depth
    assert tree_leaves(rebuilt) == [2.0]


def test_wrong_number_of_leaves_is_an_error() -> None:
    _, td = tree_flatten({"a": 1.0, "b": [2.0]})
    with pytest.raises(ValueError, match=r"holds 2 leaves, got 3"):
        tree_unflatten(td, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"holds 2 leaves, got 1"):
        tree_unflatten(td, [1.0])


def test_tree_map_over_several_trees() -> None:
    a = {"w": np.ones(2), "b": [1.0, 2.0]}
    b = {"w": np.full(2, 3.0), "b": [10.0, 20.0]}
    out = tree_map(lambda x, y: x + y, a, b)
    np.testing.assert_array_equal(out["w"], [4.0, 4.0])
    assert out["b"] == [11.0, 22.0]
    with pytest.raises(ValueError, match=r"tree structures differ"):
        tree_map(lambda x, y: x, a, {"w": 1.0})


leaves_st = st.one_of(st.floats(-10, 10), st.integers(-5, 5), st.text(max_size=2))
trees_st = st.recursive(
    leaves_st | st.none(),
    lambda kids: st.one_of(
        st.lists(kids, max_size=3),
        st.tuples(kids, kids),
        st.dictionaries(st.text(max_size=2), kids, max_size=3),
        st.builds(Point, kids, kids),
    ),
    max_leaves=12,
)


@given(trees_st)
def test_round_trip_on_random_trees(tree: Any) -> None:
    leaves, td = tree_flatten(tree)
    assert tree_unflatten(td, leaves) == tree
    assert tree_flatten(tree_unflatten(td, leaves))[1] == td
    assert tree_map(lambda x: x, tree) == tree


# --- the transforms over pytrees -----------------------------------------------------


def loss(p: Any) -> Any:
    """sum(w * b[0]) + b[1]^2 * c.z, with p = {"w": (3,), "b": (s, t), "c": Point-like}."""
    return dd.sum(p["w"] * p["b"][0]) + p["b"][1] ** 2 * p["c"].x


def test_grad_keeps_every_kind_of_container() -> None:
    w = np.array([1.0, -2.0, 0.5])
    p = {"w": w, "b": [3.0, 4.0], "c": Point(2.0, None), "unused": (np.ones(2),)}
    g = dd.grad(lambda p: loss(p) + 0.0 * dd.sum(p["unused"][0]))(p)
    assert set(g) == {"w", "b", "c", "unused"}
    np.testing.assert_allclose(g["w"], np.full(3, 3.0))
    assert type(g["b"]) is list and g["b"] == pytest.approx([w.sum(), 2 * 4.0 * 2.0])
    assert type(g["c"]) is Point and g["c"].x == pytest.approx(16.0) and g["c"].y is None
    assert type(g["unused"]) is tuple
    np.testing.assert_array_equal(g["unused"][0], np.zeros(2))


@pytest.mark.parametrize("kind", ["list", "tuple", "dict", "namedtuple"])
def test_grad_of_each_container_kind(kind: str) -> None:
    make = {
        "list": lambda a, b: [a, b],
        "tuple": lambda a, b: (a, b),
        "dict": lambda a, b: {"a": a, "b": b},
        "namedtuple": lambda a, b: Point(a, b),
    }[kind]
    get = (lambda p: (p["a"], p["b"])) if kind == "dict" else (lambda p: (p[0], p[1]))
    f = lambda p: dd.sum(dd.sin(get(p)[0]) * get(p)[1])
    a, b = np.array([0.3, 1.2]), np.array([2.0, -1.0])
    g = dd.grad(f)(make(a, b))
    assert type(g) is type(make(a, b))
    ga, gb = get(g)
    np.testing.assert_allclose(ga, np.cos(a) * b, rtol=1e-15)
    np.testing.assert_allclose(gb, np.sin(a), rtol=1e-15)


def pytree_fn(p: Any) -> Any:
    return {"u": p["w"] * p["s"], "v": [dd.sum(p["w"] ** 2)]}


@pytest.mark.parametrize("jac", [dd.jacfwd, dd.jacrev, dd.jacobian])
def test_pytree_jacobian_layout_output_outside_input_inside(jac: Any) -> None:
    w, s = np.array([1.5, -0.5]), 3.0
    J = jac(pytree_fn)({"w": w, "s": s})
    assert set(J) == {"u", "v"} and set(J["u"]) == {"s", "w"}
    np.testing.assert_allclose(J["u"]["w"], s * np.eye(2))  # (2,) + (2,)
    np.testing.assert_allclose(J["u"]["s"], w)  # (2,) + ()
    assert type(J["v"]) is list and set(J["v"][0]) == {"s", "w"}
    np.testing.assert_allclose(J["v"][0]["w"], 2 * w)  # () + (2,)
    assert J["v"][0]["s"] == 0.0 and np.shape(J["v"][0]["s"]) == ()


def test_pytree_hessian_nests_input_structure_twice() -> None:
    f = lambda p: p["a"] ** 2 * p["b"][0] + dd.sin(p["b"][1])
    a, b0, b1 = 1.5, -2.0, 0.7
    H = dd.hessian(f)({"a": a, "b": (b0, b1)})
    assert H["a"]["a"] == pytest.approx(2 * b0)
    assert H["a"]["b"] == pytest.approx((2 * a, 0.0))
    assert H["b"][0]["a"] == pytest.approx(2 * a) and H["b"][0]["b"] == pytest.approx((0, 0))
    assert H["b"][1]["b"] == pytest.approx((0.0, -np.sin(b1)))


def test_jvp_vjp_and_hvp_over_pytrees() -> None:
    p = {"w": np.array([1.0, 2.0]), "s": 3.0}
    t = {"w": np.array([0.5, -1.0]), "s": 2.0}
    out, tangent = dd.jvp(pytree_fn, (p,), (t,))
    np.testing.assert_allclose(out["u"], p["w"] * p["s"])
    np.testing.assert_allclose(tangent["u"], t["w"] * p["s"] + p["w"] * t["s"])
    assert tangent["v"][0] == pytest.approx(2 * p["w"] @ t["w"])
    _, pullback = dd.vjp(pytree_fn, p)
    (ct,) = pullback({"u": np.ones(2), "v": [1.0]})
    np.testing.assert_allclose(ct["w"], p["s"] + 2 * p["w"])
    assert ct["s"] == pytest.approx(p["w"].sum())
    # H v for f = s * sum(w^2): H = [[2s I, 2w], [2w^T, 0]]
    f = lambda p: p["s"] * dd.sum(p["w"] ** 2)
    hv = dd.hvp(f, (p,), (t,))
    np.testing.assert_allclose(hv["w"], 2 * p["s"] * t["w"] + 2 * p["w"] * t["s"])
    assert hv["s"] == pytest.approx(2 * p["w"] @ t["w"])


def test_outputs_with_none_and_constants() -> None:
    out, tangent = dd.jvp(lambda x: [x * 2, None, 5.0], (1.0,), (1.0,))
    assert out == [2.0, None, 5.0] and tangent == [2.0, None, 0.0]
    J = dd.jacrev(lambda x: (x, None))(np.ones(2))
    assert J[1] is None
    np.testing.assert_array_equal(J[0], np.eye(2))
