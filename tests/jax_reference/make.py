"""Write values.npz with JAX (64-bit): ``python tests/jax_reference/make.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import Z3, cases, cotangent, tangent

jax.config.update("jax_enable_x64", True)


def main() -> None:
    out: dict[str, np.ndarray] = {}
    for name, (f, x) in cases(jnp).items():
        y, pullback = jax.vjp(f, x)
        out[f"{name}/vjp"] = np.asarray(pullback(cotangent(np.asarray(y)))[0])
        out[f"{name}/jvp"] = np.asarray(jax.jvp(f, (x,), (tangent(x),))[1])
    out["grad-abs2"] = np.asarray(jax.grad(lambda z: jnp.abs(z) ** 2)(3 + 4j))
    out["grad-square-holomorphic"] = np.asarray(jax.grad(lambda z: z**2, holomorphic=True)(3 + 4j))
    out["hessian-holomorphic"] = np.asarray(
        jax.hessian(lambda z: jnp.sin(z) * z, holomorphic=True)(0.3 + 0.4j)
    )
    out["jacrev-holomorphic"] = np.asarray(
        jax.jacrev(lambda z: jnp.exp(z) * z[::-1], holomorphic=True)(Z3)
    )
    out["jacfwd-holomorphic"] = np.asarray(
        jax.jacfwd(lambda z: jnp.exp(z) * z[::-1], holomorphic=True)(Z3)
    )
    out["jacrev-real"] = np.asarray(jax.jacrev(lambda z: jnp.abs(z * z[::-1]))(Z3))
    np.savez(Path(__file__).with_name("values.npz"), **out)


if __name__ == "__main__":
    main()
