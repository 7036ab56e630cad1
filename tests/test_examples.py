"""The training examples run (with fast settings where that keeps the point) and reach their
figures: closed forms for gradient descent, least squares, scikit-learn's solution, and the
digits accuracy of at least 97%."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    loaded = ["_common"]

    def load(name: str) -> ModuleType:
        sys.modules.pop(name, None)
        loaded.append(name)
        return importlib.import_module(name)

    yield load
    for name in loaded:
        sys.modules.pop(name, None)


def report_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 1))
    return X, 2.0 * X + 5.0 + 0.1 * rng.standard_normal((100, 1))


def least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    A = np.hstack([X, np.ones_like(X[:, :1])])
    return np.linalg.lstsq(A, y, rcond=None)[0].ravel()


def test_gradient_descent_reaches_0_4_to_the_10th(example, tmp_path: Path, capsys) -> None:
    out = example("gradient_descent").main(out_dir=tmp_path)
    # each step is x <- x - 0.3 * 2x = 0.4 x
    assert out["x1"] == pytest.approx(0.4**10, rel=1e-12)
    assert out["x2"] == pytest.approx(0.4**10, rel=1e-12)
    assert out["losses"] == pytest.approx([2 * 0.16**k for k in range(10)], rel=1e-12)
    assert "step 10" in capsys.readouterr().out
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "gradient_descent.png").read_bytes()[:4] == b"\x89PNG"


def test_linear_regression_recovers_least_squares(example, tmp_path: Path) -> None:
    out = example("linear_regression").main(epochs=150, out_dir=tmp_path)
    w, b = least_squares(*report_data())
    assert out["w"] == pytest.approx(w, abs=1e-9)
    assert out["b"] == pytest.approx(b, abs=1e-9)
    assert out["w"] == pytest.approx(2.0, abs=0.05) and out["b"] == pytest.approx(5.0, abs=0.05)


def test_mlp_regression_reaches_the_noise_level(example, tmp_path: Path) -> None:
    out = example("mlp_regression").main(epochs=600, out_dir=tmp_path)
    X, y = report_data()
    A = np.hstack([X, np.ones_like(X)])
    mse_ls = float(np.mean((A @ least_squares(X, y) - y[:, 0]) ** 2))
    assert out["mse_ls"] == pytest.approx(mse_ls, rel=1e-12)
    assert out["mse"] < 1.1 * mse_ls  # the noise variance is 0.01
    assert out["losses"][-1] < out["losses"][0] / 100


def test_functional_style_follows_gradient_descent_in_closed_form(example) -> None:
    mod = example("functional_style")
    out = mod.main(linear_epochs=100, mlp_epochs=300)
    # GD on the quadratic MSE: p_k = p* + (I - lr H)^k (p_0 - p*), H = 2/N A^T A
    X, y = report_data()
    A = np.hstack([X, np.ones_like(X)])
    p_star = least_squares(X, y)
    w0, b0 = mod.init_params([1, 1])
    p0 = np.array([w0.item(), b0.item()])
    M = np.eye(2) - 0.01 * (2 / len(X)) * A.T @ A
    p100 = p_star + np.linalg.matrix_power(M, 100) @ (p0 - p_star)
    assert [out["w"], out["b"]] == pytest.approx(p100, rel=1e-12)
    # still on its way, like the report's w = 1.92, b = 4.32 after 100 epochs
    assert 1.7 < out["w"] < 2.0 and 4.0 < out["b"] < 4.6
    assert out["mlp_losses"][-1] < out["mlp_losses"][0] / 10


def test_functional_and_module_mlps_agree(example) -> None:
    import dualdiff as dd

    mod = example("functional_style")
    X, y = report_data()
    params = mod.init_params([1, 10, 1])
    model = dd.nn.MLP([1, 10, 1], rng=0)
    model.load_state_dict(dict(zip(model.state_dict(), params, strict=True)))
    opt = dd.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(20):
        loss, grads = dd.value_and_grad(mod.loss_fn)(params, X, y)
        params = mod.update_params(params, grads, 0.01)
        opt.zero_grad()
        with dd.Tape():
            module_loss = dd.nn.mse_loss(model(X), y)
        module_loss.backward()
        opt.step()
        assert module_loss.value == pytest.approx(loss, rel=1e-13)
    for p, q in zip(model.parameters(), params, strict=True):
        np.testing.assert_allclose(p.value, q, rtol=1e-12, atol=1e-15)


def test_digits_reaches_97_percent(example, tmp_path: Path, capsys) -> None:
    pytest.importorskip("sklearn")
    out = example("digits").main(out_dir=tmp_path)
    assert out["test_accuracy"] >= 0.97
    history = out["history"]
    assert history["val_accuracy"][-1] == out["test_accuracy"]
    assert "test accuracy" in capsys.readouterr().out


def test_breast_cancer_matches_scikit_learn(example) -> None:
    pytest.importorskip("sklearn")
    out = example("breast_cancer").main(epochs=1000)
    assert out["coef_gap"] < 1e-4
    assert out["test_accuracy"] >= 0.95
    assert out["test_accuracy"] == pytest.approx(out["sklearn_accuracy"], abs=1 / 143)


def test_diabetes_matches_least_squares(example) -> None:
    pytest.importorskip("sklearn")
    out = example("diabetes").main(epochs=500)
    assert out["train"] == pytest.approx(out["train_ls"], rel=1e-9)
    assert out["test"] == pytest.approx(out["test_ls"], rel=1e-6)


def test_gaussian_process_reaches_the_marginal_likelihood_optimum(example) -> None:
    pytest.importorskip("scipy")
    import dualdiff as dd

    mod = example("gaussian_process")
    out = mod.main()
    x, y = mod.sine_data()
    theta, h = out["theta"], 1e-5
    assert out["result"].success and out["nll"] < mod.nll(out["theta0"], x, y)
    # dd.grad against central differences (truncation h^2 |f'''| ~ 1e-9): ~0 at the optimum
    steps = h * np.eye(3)
    central = [(mod.nll(theta + e, x, y) - mod.nll(theta - e, x, y)) / (2 * h) for e in steps]
    grad = dd.grad(mod.nll)(theta, x, y)
    np.testing.assert_allclose(grad, central, atol=1e-7)
    assert np.max(np.abs(grad)) < 1e-3
    # dd.hessian (through cholesky, solve, slogdet) against central differences of dd.grad
    rows = [(dd.grad(mod.nll)(theta + e, x, y) - dd.grad(mod.nll)(theta - e, x, y)) / (2 * h)
            for e in steps]  # fmt: skip
    np.testing.assert_allclose(out["hessian"], rows, rtol=1e-6, atol=1e-7)
    assert np.all(np.linalg.eigvalsh(out["hessian"]) > 0)  # a minimum
    # the noise variance is the truth's 0.3^2 = 0.09, within two standard errors in log space
    stderr = np.sqrt(np.diag(np.linalg.inv(out["hessian"])))
    assert abs(theta[2] - np.log(0.09)) < 2 * stderr[2]
    if out["sklearn"] is not None:  # scikit-learn's own optimizer finds the same optimum
        np.testing.assert_allclose(theta, out["sklearn"], atol=1e-3)


def test_gaussian_process_without_scipy_says_so(example, monkeypatch, capsys) -> None:
    mod = example("gaussian_process")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda n, *a: None if n == "scipy" else real(n, *a)
    )
    assert mod.main() == {}
    assert "needs SciPy" in capsys.readouterr().out


def test_signal_fit_reaches_the_least_squares_spectrum_fit(example, capsys) -> None:
    mod = example("signal_fit")
    out = mod.main()
    assert out["grad_rel_error"] < 1e-5  # dd.grad through rfft vs central differences
    assert out["losses"][-1] < out["losses"][0] / 40
    # the same loss written in NumPy alone, minimized by BFGS from the same start
    optimize = pytest.importorskip("scipy.optimize")
    spectrum = np.fft.rfft(mod.WINDOW * mod.recording(0.1, 0))

    def loss(p: np.ndarray) -> float:
        angle = 2 * np.pi * p[2:4, None] * mod.T[None, :] + p[4:6, None]
        model = np.sum(p[0:2, None] * np.sin(angle), axis=0)
        return float(np.sum(np.abs(np.fft.rfft(mod.WINDOW * model) - spectrum) ** 2) / mod.N)

    start = np.concatenate([mod.START[k] for k in ("amplitude", "frequency", "phase")])
    best = optimize.minimize(loss, start, method="BFGS", options={"gtol": 1e-10}).x
    fitted = np.concatenate([out["fitted"][k] for k in ("amplitude", "frequency", "phase")])
    np.testing.assert_allclose(fitted, best, atol=1e-5)
    truth = np.concatenate([mod.TRUE[k] for k in ("amplitude", "frequency", "phase")])
    np.testing.assert_allclose(fitted, truth, atol=0.06)  # the noise (sd 0.1) moves the optimum
    assert "frequency" in capsys.readouterr().out


def test_dask_logistic_is_numpys_gradient_descent_on_a_cluster(example, capsys) -> None:
    pytest.importorskip("distributed")
    out = example("dask_logistic").main(processes=False)  # threads: a quicker start
    assert "dashboard: http" in capsys.readouterr().out
    # the cluster's steps are NumPy's steps on the same data, to rounding
    np.testing.assert_allclose(out["w"], out["w_numpy"], rtol=1e-12, atol=1e-14)
    assert out["b"] == pytest.approx(out["b_numpy"], rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(out["losses"], out["losses_numpy"], rtol=1e-12)
    assert out["losses"][0] == pytest.approx(np.log(2), rel=1e-14)  # w = 0: every p = 1/2
    # the maximum-likelihood fit by Newton's method: gradient descent comes within 5e-4
    A = np.hstack([out["X"], np.ones((len(out["X"]), 1))])
    y, theta = out["y"], np.zeros(A.shape[1])
    for _ in range(20):
        s = 1 / (1 + np.exp(-A @ theta))
        theta -= np.linalg.solve(A.T @ (A * (s * (1 - s))[:, None]), A.T @ (s - y))
    z = A @ theta
    best = np.mean(np.logaddexp(0, z) - y * z)
    assert best <= out["losses"][-1] < best + 5e-4


def test_gpu_mlp_without_a_gpu_says_so(example, monkeypatch, capsys) -> None:
    mod = example("gpu_mlp")
    monkeypatch.setattr(mod, "gpu_namespace", lambda: (None, "CuPy finds no CUDA device"))
    assert mod.main() == {}
    assert "no GPU: CuPy finds no CUDA device" in capsys.readouterr().out


def test_gpu_mlp_trains_on_a_gpu_when_there_is_one(example, capsys) -> None:
    mod = example("gpu_mlp")
    out = mod.main(epochs=3, steps=4)
    if mod.gpu_namespace()[0] is None:
        assert out == {} and "no GPU" in capsys.readouterr().out
        return
    assert out["digits"]["test_accuracy"] > 0.9
    assert out["wide"]["losses"][-1] < out["wide"]["losses"][0]


def test_gpu_mlp_code_on_array_api_strict_matches_numpy(example) -> None:
    """The example's functions on a strict array-API namespace (no GPU needed): the same
    losses and accuracies as on NumPy, step by step."""
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("sklearn")
    mod = example("gpu_mlp")
    strict, numpy = (
        mod.wide(xp, width=64, batch=128, steps=4),
        mod.wide(np, width=64, batch=128, steps=4),
    )
    np.testing.assert_allclose(strict["losses"], numpy["losses"], rtol=1e-5)
    assert numpy["losses"][-1] < numpy["losses"][0]
    strict, numpy = mod.digits(xp, epochs=1), mod.digits(np, epochs=1)
    for key in ("loss", "val_loss", "val_accuracy"):
        np.testing.assert_allclose(strict["history"][key], numpy["history"][key], rtol=1e-5)
    assert numpy["test_accuracy"] > 0.8


def test_gpu_mlp_main_with_a_namespace_standing_in_for_cupy(example, monkeypatch, capsys) -> None:
    """main's GPU branch, with array_api_strict where CuPy would be (and a narrow MLP)."""
    xp = pytest.importorskip("array_api_strict")
    pytest.importorskip("sklearn")
    mod = example("gpu_mlp")
    wide = mod.wide
    monkeypatch.setattr(mod, "gpu_namespace", lambda: (xp, "a stand-in device"))
    monkeypatch.setattr(mod, "wide", lambda xp, steps: wide(xp, width=32, batch=64, steps=steps))
    out = mod.main(epochs=1, steps=3)
    printed = capsys.readouterr().out
    assert "training on a stand-in device" in printed and "test accuracy" in printed
    assert out["digits"]["test_accuracy"] > 0.8
    assert len(out["wide"]["losses"]) == 3
