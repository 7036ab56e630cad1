"""Oracles of NumPy's mathematical functions beyond the first ops: logarithms and
exponentials in other bases, inverse hyperbolics, hypot, sinc, cbrt, angle conversions,
remainders and rounding (SymPy twins); rounding with decimals, nan_to_num, float_power
and divmod (composites)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

import dualdiff as dd

from .domains import REAL, Case, Elem, Sampler, signed, uniform


def step(name: str, np_fn: Any) -> Any:
    """A SymPy function with NumPy's values and derivative 0: a step function (floor, trunc
    ...) away from its jumps, which the domains avoid."""
    fdiff = lambda self, i=1: sp.S.Zero
    return type(name, (sp.Function,), {"fdiff": fdiff, "_imp_": staticmethod(np_fn)})


Floor, Ceil, Trunc, Rint = (
    step("Floor", np.floor),
    step("Ceil", np.ceil),
    step("Trunc", np.trunc),
    step("Rint", np.rint),
)


def off_grid(spacing: float, offset: float = 0.0) -> Sampler:
    """Values in about [-2, 2], at least 0.2 spacing away from the points offset + k spacing
    (a rounding op's jumps)."""

    def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        k = rng.integers(-round(2 / spacing), round(2 / spacing), shape)
        return np.asarray((k + offset + rng.uniform(0.2, 0.8, shape)) * spacing)

    return sample


def near_and_far(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in [-3, 3], about half of them within 0.12 of 0 (sinc's series branch)."""
    return np.asarray(rng.uniform(-3.0, 3.0, shape) * rng.choice([1.0, 0.04], shape))


def _quotient_twin(rounding: Any) -> Any:
    return lambda x, y: x - y * rounding(x / y)


ELEMENTWISE: dict[str, Elem] = {
    "exp2": Elem(lambda x: 2**x, (REAL,)),
    "log2": Elem(lambda x: sp.log(x) / sp.log(2), (uniform(0.1, 3.0),)),
    "log10": Elem(lambda x: sp.log(x) / sp.log(10), (uniform(0.1, 3.0),)),
    "logaddexp": Elem(lambda x, y: sp.log(sp.exp(x) + sp.exp(y)), (REAL, REAL)),
    "logaddexp2": Elem(lambda x, y: sp.log(2**x + 2**y) / sp.log(2), (REAL, REAL)),
    "hypot": Elem(lambda x, y: sp.sqrt(x**2 + y**2), (signed(0.2, 2.0), signed(0.2, 2.0))),
    "deg2rad": Elem(lambda x: x * sp.pi / 180, (uniform(-360.0, 360.0),)),
    "rad2deg": Elem(lambda x: x * 180 / sp.pi, (REAL,)),
    "arcsinh": Elem(sp.asinh, (uniform(-3.0, 3.0),)),
    "arccosh": Elem(sp.acosh, (uniform(1.2, 3.0),)),
    "arctanh": Elem(sp.atanh, (uniform(-0.9, 0.9),)),
    "sinc": Elem(lambda x: sp.sinc(sp.pi * x), (near_and_far,)),
    "fabs": Elem(sp.Abs, (signed(0.1, 2.0),)),
    # the real cube root (SymPy's cbrt of a negative number is complex)
    "cbrt": Elem(lambda x: sp.sign(x) * sp.Abs(x) ** sp.Rational(1, 3), (signed(0.2, 3.0),)),
    "floor_divide": Elem(lambda x, y: Floor(x / y), (off_grid(1.0), uniform(0.97, 1.03))),
    "remainder": Elem(_quotient_twin(Floor), (off_grid(1.0), uniform(0.97, 1.03))),
    "fmod": Elem(_quotient_twin(Trunc), (off_grid(1.0), signed(0.97, 1.03))),
    "floor": Elem(Floor, (off_grid(1.0),)),
    "ceil": Elem(Ceil, (off_grid(1.0),)),
    "trunc": Elem(Trunc, (off_grid(1.0),)),
    "rint": Elem(Rint, (off_grid(1.0, 0.5),)),
    "round": Elem(Rint, (off_grid(1.0, 0.5),)),
}

_NONFINITE = np.array([np.nan, np.inf, -np.inf], dtype=np.float32)  # float32: f32 stays f32


def _cast_back(y: Any, like: Any) -> Any:
    """A float64 result in the input's dtype, so the float32 run checks float_power too."""
    return y.astype(np.result_type(like)) if np.result_type(like) != np.result_type(y) else y


COMPOSITES: dict[str, list[Case]] = {
    "round-decimals": [
        Case("2", lambda x: dd.round(x, 2) * x, ((2, 3),), off_grid(0.01, 0.5)),
        Case("-1", lambda x: dd.around(x * 100, -1) + x, ((3,),), off_grid(0.1, 0.5)),
        Case("numpy", lambda x: np.round(x, 1) * x, ((4,),), off_grid(0.1, 0.5)),
    ],
    "fix": [Case("vector", lambda x: dd.fix(x) * x, ((5,),), off_grid(1.0))],
    "divmod": [
        Case(
            "both",
            lambda x, y: dd.divmod(x, y)[0] * x + dd.divmod(x, y)[1],
            ((2, 3), (3,)),
            off_grid(1.0),
        ),
        Case("operators", lambda x, y: (x // y) * y + x % y, ((3,), ()), off_grid(1.0)),
    ],
    "nan_to_num": [
        # (the default fills are the dtype's extremes: float32's differ from float64's)
        Case("nan-only", lambda x: dd.nan_to_num(dd.concatenate([x, _NONFINITE[:1]])), ((3,),)),
        Case(
            "fills",
            lambda x: dd.nan_to_num(dd.concatenate([_NONFINITE, x]), nan=1, posinf=2, neginf=-3),
            ((4,),),
        ),
        Case("finite", lambda x: np.nan_to_num(x), ((2, 2),)),
    ],
    "float_power": [
        Case(
            "both",
            lambda x, y: _cast_back(dd.float_power(x, y), x),
            ((2, 3), (3,)),
            uniform(0.5, 2.0),
        ),
        Case("constant-exponent", lambda x: _cast_back(np.float_power(x, 3), x), ((4,),)),
    ],
}
