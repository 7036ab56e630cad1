"""Fit the amplitudes, frequencies and phases of two sinusoids through an FFT.

A noisy recording y(t) = Σ a_k sin(2π f_k t + φ_k) + noise is matched by a model
whose parameters start a little off. The loss compares the two spectra, windowed
with a Hann window so that a frequency between two bins leaks smoothly:

    L(a, f, φ) = Σ_k |rfft(w · model)_k - rfft(w · y)_k|² / N

Its gradient flows back through ``dd.fft.rfft`` (the rfft's transpose pads the half
spectrum, transforms and keeps the real part), and gradient descent with Adam finds
the parameters. The gradient at the start is compared with central differences.

    python examples/signal_fit.py
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import dualdiff as dd

RATE, N = 64.0, 256  # samples per second, samples: 4 s, bins 0.25 Hz apart
TRUE = {"amplitude": [1.0, 0.5], "frequency": [5.0, 12.3], "phase": [0.3, -1.0]}
START = {"amplitude": [0.7, 0.7], "frequency": [5.1, 12.2], "phase": [0.0, 0.0]}
T = np.arange(N) / RATE
WINDOW = np.hanning(N)


def sinusoids(amplitude: Any, frequency: Any, phase: Any) -> Any:
    """Σ_k a_k sin(2π f_k t + φ_k) at the sample times t (N,)."""
    angle = 2 * np.pi * frequency[:, None] * T[None, :] + phase[:, None]
    return dd.sum(amplitude[:, None] * dd.sin(angle), axis=0)


def spectral_loss(params: Any, spectrum: np.ndarray) -> Any:
    """The squared distance of the model's windowed half spectrum from the data's."""
    model = dd.fft.rfft(WINDOW * sinusoids(params[0:2], params[2:4], params[4:6]))
    return dd.sum(dd.abs(model - spectrum) ** 2) / N


def recording(noise: float, seed: int) -> np.ndarray:
    true = [np.array(TRUE[k]) for k in ("amplitude", "frequency", "phase")]
    rng = np.random.default_rng(seed)
    return np.asarray(sinusoids(*true)) + noise * rng.standard_normal(N)


def gradient_check(params: np.ndarray, spectrum: np.ndarray) -> float:
    """The largest relative difference between dd.grad and central differences."""
    ad = dd.grad(spectral_loss)(params, spectrum)
    numeric = dd.numeric.gradient(lambda p: spectral_loss(p, spectrum), params)
    return float(np.max(np.abs(ad - numeric) / np.maximum(np.abs(numeric), 1e-12)))


def main(steps: int = 600, lr: float = 0.02, noise: float = 0.1, seed: int = 0) -> dict[str, Any]:
    spectrum = np.fft.rfft(WINDOW * recording(noise, seed))
    start = np.concatenate([START[k] for k in ("amplitude", "frequency", "phase")])
    rel_err = gradient_check(start, spectrum)
    print(f"gradient at the start: dd.grad vs central differences, max rel. error {rel_err:.1e}")
    params = dd.Var(start)
    opt = dd.optim.Adam([params], lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        with dd.Tape():
            loss = spectral_loss(params, spectrum)
        loss.backward()
        opt.step()
        losses.append(float(loss.value))
    fitted = {k: params.value[2 * i : 2 * i + 2] for i, k in enumerate(TRUE)}
    for k in TRUE:
        print(f"{k:9}: fitted {np.round(fitted[k], 3)}, true {TRUE[k]}")
    print(f"loss: {losses[0]:.4f} after the first step, {losses[-1]:.4f} after {steps}")
    return dict(fitted=fitted, losses=losses, grad_rel_error=rel_err)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--noise", type=float, default=0.1)
    args = parser.parse_args()
    main(args.steps, args.lr, args.noise)
