"""Gaussian-process regression: fit the kernel's hyperparameters by maximizing the
marginal likelihood, with exact gradients through cholesky, solve and slogdet.

The data: 40 noisy samples of sin(x) on [0, 10], noise standard deviation 0.3. The
model: y ~ N(0, K + σₙ² I) with the RBF kernel K_ij = σ_f² exp(−(x_i − x_j)² / 2ℓ²).
Its negative log marginal likelihood

    nll(θ) = ½ yᵀ (K + σₙ² I)⁻¹ y + ½ log det(K + σₙ² I) + n/2 log 2π

is written in plain NumPy (np.linalg.cholesky, np.linalg.solve, np.linalg.slogdet) on the
log hyperparameters θ = (log ℓ, log σ_f², log σₙ²), and SciPy's L-BFGS-B minimizes it with
``jac=dd.grad(nll)``. The Hessian at the optimum (``dd.hessian``: second derivatives
through the Cholesky factor) gives the Laplace standard errors of θ. Needs the ``scipy``
extra; with scikit-learn installed, its GaussianProcessRegressor fits the same model
for comparison.

    python examples/gaussian_process.py
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

import dualdiff as dd

NAMES = ("lengthscale", "signal variance", "noise variance")


def sine_data(n: int = 40, noise: float = 0.3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x uniform on [0, 10] (sorted), y = sin(x) + noise · N(0, 1)."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(0.0, 10.0, n))
    return x, np.sin(x) + noise * rng.standard_normal(n)


def covariance(theta: Any, x: np.ndarray) -> Any:
    """σ_f² exp(−(x_i − x_j)² / 2ℓ²) + σₙ² δ_ij from θ = (log ℓ, log σ_f², log σₙ²)."""
    log_ell, log_sf2, log_sn2 = theta[0], theta[1], theta[2]
    sq_dist = (x[:, None] - x[None, :]) ** 2
    noise = np.exp(log_sn2) * np.eye(len(x))
    return np.exp(log_sf2 - 0.5 * sq_dist * np.exp(-2.0 * log_ell)) + noise


def nll(theta: Any, x: np.ndarray, y: np.ndarray) -> Any:
    """The negative log marginal likelihood −log p(y | x, θ)."""
    K = covariance(theta, x)
    L = np.linalg.cholesky(K)  # K = L Lᵀ: two triangular solves give K⁻¹ y
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    _, logdet = np.linalg.slogdet(K)  # = 2 Σ log L_ii
    return 0.5 * y @ alpha + 0.5 * logdet + 0.5 * len(y) * np.log(2 * np.pi)


def predict(theta: np.ndarray, x: np.ndarray, y: np.ndarray, x_new: np.ndarray) -> np.ndarray:
    """The posterior mean at ``x_new``: k(x_new, x) (K + σₙ² I)⁻¹ y."""
    ell2, sf2 = np.exp(2 * theta[0]), np.exp(theta[1])
    k_new = sf2 * np.exp(-0.5 * (x_new[:, None] - x[None, :]) ** 2 / ell2)
    return k_new @ np.linalg.solve(covariance(theta, x), y)


def sklearn_fit(x: np.ndarray, y: np.ndarray, theta0: np.ndarray) -> np.ndarray | None:
    """scikit-learn's fit of the same model from the same start (None without scikit-learn)."""
    if importlib.util.find_spec("sklearn") is None:
        return None
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    ell, sf2, sn2 = np.exp(theta0)
    kernel = ConstantKernel(sf2) * RBF(ell) + WhiteKernel(sn2)
    gp = GaussianProcessRegressor(kernel, optimizer="fmin_l_bfgs_b").fit(x[:, None], y)
    fitted = gp.kernel_  # theta is (log σ_f², log ℓ, log σₙ²)
    return np.array([fitted.theta[1], fitted.theta[0], fitted.theta[2]])


def main(n: int = 40) -> dict[str, Any]:
    if importlib.util.find_spec("scipy") is None:
        print("this example needs SciPy (pip install 'dualdiff-ad[scipy]'); skipped")
        return {}
    from scipy.optimize import minimize

    x, y = sine_data(n)
    theta0 = np.log([1.0, 1.0, 1.0])
    result = minimize(nll, theta0, args=(x, y), jac=dd.grad(nll), method="L-BFGS-B")
    theta = result.x
    hessian = dd.hessian(nll)(theta, x, y)
    stderr = np.sqrt(np.diag(np.linalg.inv(hessian)))
    print(f"L-BFGS-B: {result.nit} iterations, nll {nll(theta0, x, y):.4f} -> {result.fun:.4f}")
    for name, value, log_value, err in zip(NAMES, np.exp(theta), theta, stderr, strict=True):
        print(f"  {name:16s} {value:8.4f}   (log {log_value:7.4f} ± {err:.4f})")
    rmse = float(np.sqrt(np.mean((predict(theta, x, y, x) - np.sin(x)) ** 2)))
    print(f"posterior mean vs sin(x) at the data: RMSE {rmse:.4f}")
    out = {"theta": theta, "nll": float(result.fun), "result": result, "hessian": hessian}
    out["theta0"], out["rmse"], out["sklearn"] = theta0, rmse, sklearn_fit(x, y, theta0)
    if out["sklearn"] is not None:
        values = ", ".join(f"{v:.4f}" for v in np.exp(out["sklearn"]))
        print(f"scikit-learn's fit: {values} (nll {nll(out['sklearn'], x, y):.4f})")
    return out


if __name__ == "__main__":
    main()
