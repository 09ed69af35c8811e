#!/usr/bin/env python
"""Mutation testing of the science modules (issue 11 item 3): do the unit tests notice a wrong formula?

Each entry of :data:`MUTATIONS` changes ONE formula of ``lib/scalinglaws/{ntk, randomfeatures,
deeplinear}/*.py``, ``fits.py`` or ``compare.py`` (an exact snippet replaced by another) and names
the test files that cover its module.  For every mutation the script writes the mutated file into
a scratch copy of the repository (``lib/`` and ``tests/`` copied to a temporary folder; the package
is imported from there through ``PYTHONPATH``, checked with ``importlib.util.find_spec``), points
``NUMBA_CACHE_DIR`` at a copy of the baseline runs' cache without the mutated subpackage's entries
(numba's cache does not notice an edit of a file that a jitted function only calls into; see
:func:`_mutation_cache`), runs ``pytest -x -q`` on the mapped test files with a time limit
and records

* ``killed``   -- a test failed (pytest exit status 1, or 2 for an error raised while collecting);
* ``timeout``  -- the tests ran past the limit (counted as killed: the mutation was noticed);
* ``survived`` -- every test passed: the tests cannot tell the wrong formula from the right one;
* ``stale``    -- the snippet is not (or not exactly once) in the file any more: not run, not
  counted (the list needs updating after a refactor).

Before the mutations, every test group runs once unmutated (the baseline); a mutation whose group
fails its baseline is recorded as ``error`` and not counted.

Selection rule (fixed in advance, not chosen by what the tests catch): in every science module,

1. every closed-form formula of a public function (the expression that implements the formula in
   its docstring) gets one mutation of a constant, an exponent or a factor: ``2 -> 1``,
   ``x^2 -> x``, a factor dropped or doubled, ``sqrt(n) -> n``, one operand swapped;
2. every central recursion or update of a kernel (the numba DMFT kernels, the Gegenbauer and
   Funk-Hecke recurrences, the Newton and GD loops, the rank-one GD step of the simulator) gets a
   sign flip or a dropped term in its update line;
3. the statistics of ``compare.py`` (standard error, z-score, relative error, tolerance, log-error
   propagation) and of ``fits.py`` (exponent, prefactor, local slope, drift, uncertainty) get one
   mutation each, the standard error three (std instead of SE, half the SE, ``ddof = 0``);
4. input validation, error messages, memory guards and divergence thresholds are left alone
   (``tests/test_bad_inputs.py`` and the attack registries cover them).

A mutation that cannot change any result (an "equivalent mutation") is replaced by another one of
the same formula, and noted in its description.

Usage::

    python tools/mutation.py [--only ID,ID,...|--module ntk] [--timeout 900] [--check] [--no-bench]

``--check`` only verifies that every snippet is present exactly once and that the mutated file
still compiles.  Results: ``benchmarks/results/mutation.json`` (per module and per mutation; shown
on the book's benchmark page), and a printed summary with the kill fraction.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = "lib/scalinglaws/"

# the test files that cover each module, cheapest / most direct first (pytest -x stops at the
# first failure, so the order only changes the running time)
TESTS = {
    "ntk": ["test_ch1_dynamics.py", "test_ch1_kernels.py", "test_ch1_spectra.py", "test_properties_ntk.py"],
    "randomfeatures": ["test_ch2_simulation.py", "test_ch2_theory.py", "test_ch2_realdata.py",
                       "test_properties_randomfeatures.py", "test_error_bars.py"],
    "deeplinear": ["test_ch3_powerlaw.py", "test_ch3_dln.py", "test_dl_stability.py", "test_properties_deeplinear.py",
                   "test_error_bars.py"],
    "fits": ["test_profiles_fits.py", "test_properties_shared.py", "test_ch2_theory.py", "test_ch3_powerlaw.py",
             "test_ch1_spectra.py"],
    "compare": ["test_compare.py", "test_properties_shared.py", "test_error_bars.py", "test_ch2_realdata.py",
                "test_ch3_dln.py"],
}


@dataclass(frozen=True)
class Mutation:
    id: str
    file: str            # relative to lib/scalinglaws/
    old: str
    new: str
    description: str
    tests: tuple = field(default=())

    @property
    def module(self) -> str:
        return self.file.split("/")[0] if "/" in self.file else self.file[:-3]

    @property
    def test_files(self) -> list[str]:
        return list(self.tests) or TESTS[self.module]


M = Mutation
MUTATIONS: list[Mutation] = [
    # ------------------------------------------------------------------ ntk/kernels.py
    M("ntk-J0", "ntk/kernels.py", "        return math.pi - theta\n", "        return math.pi - 0.5 * theta\n",
      "J_0 = pi - theta -> pi - theta/2"),
    M("ntk-J1-sign", "ntk/kernels.py", "return s + (math.pi - theta) * c", "return s - (math.pi - theta) * c",
      "J_1 = sin + (pi - theta) cos: + -> -"),
    M("ntk-J2-3", "ntk/kernels.py", "return 3.0 * s * c + (math.pi", "return 2.0 * s * c + (math.pi",
      "J_2: 3 sin cos -> 2 sin cos"),
    M("ntk-J2-2cos2", "ntk/kernels.py", "(1.0 + 2.0 * c * c)", "(1.0 + c * c)", "J_2: 1 + 2 cos^2 -> 1 + cos^2"),
    M("ntk-Sigma-2pi", "ntk/kernels.py", "out += nn ** m * Jm / (2.0 * math.pi)", "out += nn ** m * Jm / math.pi",
      "Sigma = |x||y|^m J_m/(2 pi) -> /pi"),
    M("ntk-Thetain-m2", "ntk/kernels.py", "out += m * m * nn ** (m - 1)", "out += m * nn ** (m - 1)",
      "Theta_in prefactor m^2 -> m"),
    M("ntk-cross-half", "ntk/kernels.py", "return nn * math.sqrt(sm) * math.sqrt(sp) / 2.0",
      "return nn * math.sqrt(sm) * math.sqrt(sp) / 4.0",
      "cancellation-free cross norm near the poles: /2 -> /4"),
    M("ntk-atan-sign", "ntk/kernels.py", "    z = x * z + x\n", "    z = x * z - x\n",
      "Cephes atan: z = x z + x -> x z - x"),
    M("ntk-rowpass-sin", "ntk/kernels.py", "math.sqrt(max(0.0, 1.0 - c * c)), nxi * ny[j]",
      "math.sqrt(max(0.0, 1.0 + c * c)), nxi * ny[j]", "vectorised pass: sin = sqrt(1 - c^2) -> sqrt(1 + c^2)"),
    M("ntk-1d-cross", "ntk/kernels.py", "cross = sigma_w * sigma_b * np.abs(np.subtract.outer(x, y))",
      "cross = sigma_w * np.abs(np.subtract.outer(x, y))", "ntk_1d cross term sigma_w sigma_b |x - y|: sigma_b dropped"),
    M("ntk-augment-bias", "ntk/kernels.py", "np.full((X.shape[0], 1), float(sigma_b))",
      "np.full((X.shape[0], 1), float(sigma_w))", "augmented input (sigma_w x, sigma_b): sigma_b -> sigma_w"),
    # ------------------------------------------------------------------ ntk/spectra.py
    M("ntk-gegen-sign", "ntk/spectra.py",
      "p2 = (2.0 * (l + lam) * u[i] * p1 - l * p0) / (l + 2.0 * lam)\n                out[l + 1, i] = p2",
      "p2 = (2.0 * (l + lam) * u[i] * p1 + l * p0) / (l + 2.0 * lam)\n                out[l + 1, i] = p2",
      "Gegenbauer table recurrence: - l P_{l-1} -> + l P_{l-1}"),
    M("ntk-funkhecke-denom", "ntk/spectra.py",
      "p2 = (2.0 * (l + lam) * u[i] * p1 - l * p0) / (l + 2.0 * lam)\n                mu[l + 1]",
      "p2 = (2.0 * (l + lam) * u[i] * p1 - l * p0) / (l + lam)\n                mu[l + 1]",
      "Funk-Hecke recurrence: denominator l + 2 lam -> l + lam"),
    M("ntk-multiplicity", "ntk/spectra.py", "out[pos] = (2 * L + m - 1) / L", "out[pos] = (2 * L + m) / L",
      "N(m, l) = (2l + m - 1)/l C(...): 2l + m - 1 -> 2l + m"),
    M("ntk-sphereZ", "ntk/spectra.py", "math.exp(math.lgamma(m / 2) - math.lgamma((m + 1) / 2))",
      "math.exp(math.lgamma((m + 1) / 2) - math.lgamma(m / 2))", "Z = int sin^{m-1}: Gamma ratio inverted"),
    M("ntk-sphere-cross", "ntk/spectra.py", "sb2 * np.sin(phi) ** 2 + sb2 * omc ** 2)",
      "sb2 * np.sin(phi) ** 2 + sb2 * omc)", "sphere cross norm: (1 - cos)^2 -> (1 - cos)"),
    M("ntk-gl-weights", "ntk/spectra.py", "wt = (0.5 * (b - a) * w[None, :]).ravel()",
      "wt = ((b - a) * w[None, :]).ravel()", "composite Gauss-Legendre weights: (b - a)/2 -> (b - a)"),
    M("ntk-ball-weights", "ntk/spectra.py", "w = d * r ** (d - 1) / Mr", "w = r ** (d - 1) / Mr",
      "ball radial weights d r^{d-1}/M_r: factor d dropped"),
    M("ntk-ball-cross", "ntk/spectra.py", "((r[j] - r[i]) - r[j] * omc[q])", "((r[j] - r[i]) + r[j] * omc[q])",
      "ball kernel cross-norm component: - r_j (1 - cos) -> +"),
    M("ntk-tailsums", "ntk/spectra.py", "np.cumsum(c2[::-1])[::-1]", "np.cumsum(c2)",
      "tail sums sum_{j >= k} -> head sums sum_{j <= k}"),
    M("ntk-cap-energy", "ntk/spectra.py", "return sphere_multiplicity(m, np.arange(lmax + 1)) * a ** 2",
      "return sphere_multiplicity(m, np.arange(lmax + 1)) * a", "cap energies N(m, l) a_l^2 -> N(m, l) a_l"),
    M("ntk-grid", "ntk/spectra.py", "return a + (np.arange(M) + 0.5) * (b - a) / M",
      "return a + (np.arange(M) + 1.0) * (b - a) / M", "midpoint grid (i + 1/2)/M -> (i + 1)/M"),
    # ------------------------------------------------------------------ ntk/asymptotics.py
    M("ntk-gf-rate", "ntk/asymptotics.py", "np.exp(-2.0 * lam * ti)", "np.exp(-lam * ti)",
      "gradient-flow loss exp(-2 lam t) -> exp(-lam t)"),
    M("ntk-gf-missing", "ntk/asymptotics.py", "for ti in tt]) + 0.5 * missing", "for ti in tt]) + missing",
      "gradient-flow loss: missing/2 -> missing"),
    M("ntk-gd-power", "ntk/asymptotics.py", "np.exp(2.0 * ni * q)", "np.exp(ni * q)",
      "GD loss (1 - eta lam)^{2n} -> ^n"),
    M("ntk-thmA-2Lam", "ntk/asymptotics.py", "- xi * math.log(2 * Lam)", "- xi * math.log(Lam)",
      "Theorem A constant (2 Lam)^-xi -> Lam^-xi"),
    M("ntk-thmA-gamma", "ntk/asymptotics.py", "math.lgamma(xi + 1)", "math.lgamma(xi)",
      "Theorem A constant Gamma(xi + 1) -> Gamma(xi)"),
    M("ntk-nu", "ntk/asymptotics.py", "return 1 + positive(\"alpha\", alpha) / integer(\"d\", d, 1)",
      "return 2 + positive(\"alpha\", alpha) / integer(\"d\", d, 1)", "nu = 1 + alpha/d -> 2 + alpha/d"),
    M("ntk-kappa", "ntk/asymptotics.py", "(2 * nonnegative(\"s\", s) + 1)", "(nonnegative(\"s\", s) + 1)",
      "kappa = (2s + 1)/d -> (s + 1)/d"),
    M("ntk-cd-2d", "ntk/asymptotics.py", "return 2 ** d * math.pi", "return 2 ** (d - 1) * math.pi",
      "c_d = 2^d ... -> 2^{d-1} ..."),
    M("ntk-cd-gamma", "ntk/asymptotics.py", "math.gamma((d + 1) / 2)\n", "math.gamma(d / 2)\n",
      "c_d: Gamma((d+1)/2) -> Gamma(d/2)"),
    M("ntk-symbol-power", "ntk/asymptotics.py", "** (-(d + 1) / 2)", "** (-d / 2)",
      "ReLU symbol anisotropy exponent -(d+1)/2 -> -d/2"),
    M("ntk-symbol-2pi", "ntk/asymptotics.py", "xt2 / (2 * math.pi * sigma_b)", "xt2 / (math.pi * sigma_b)",
      "ReLU symbol 1/(2 pi sigma_b) -> 1/(pi sigma_b)"),
    M("ntk-1d-const", "ntk/asymptotics.py", "/ (4 * math.sqrt(2 * sigma_w * sigma_b)))",
      "/ (2 * math.sqrt(2 * sigma_w * sigma_b)))", "1-D boundary constant 1/4 -> 1/2"),
    M("ntk-1d-density", "ntk/asymptotics.py", "np.sum(heights ** 2 * np.sqrt(p))", "np.sum(heights ** 2 * p)",
      "1-D boundary constant sqrt(p) -> p"),
    M("ntk-ball-area", "ntk/asymptotics.py", "math.gamma(d / 2) * R ** (d - 1)", "math.gamma(d / 2) * R ** d",
      "ball boundary area R^{d-1} -> R^d"),
    M("ntk-ball-vol", "ntk/asymptotics.py", "vol = math.pi ** (d / 2) / math.gamma(d / 2 + 1)",
      "vol = math.pi ** (d / 2) / math.gamma(d / 2)", "unit-ball volume Gamma(d/2 + 1) -> Gamma(d/2)"),
    M("ntk-ball-2phi", "ntk/asymptotics.py", "_pow(2 * phi, -1 / beta)", "_pow(phi, -1 / beta)",
      "ball boundary constant (2 phi)^{-1/beta} -> phi^{-1/beta}"),
    M("ntk-sphere-phi", "ntk/asymptotics.py", "phi = sigma_w * c_d(m) * xt / (2 * math.pi)",
      "phi = sigma_w * c_d(m) * xt / math.pi", "sphere boundary symbol /(2 pi) -> /pi (issue 11 item 3 e)"),
    M("ntk-sphere-sin", "ntk/asymptotics.py", "math.sin(beta) ** (m - 1)", "math.sin(beta) ** m",
      "sphere boundary area sin^{m-1} beta -> sin^m beta"),
    M("ntk-sphere-beta", "ntk/asymptotics.py", "    b = m + alpha\n", "    b = m + 2 * alpha\n",
      "sphere exponent beta = m + alpha -> m + 2 alpha"),
    # ------------------------------------------------------------------ ntk/finite_width.py
    M("ntk-net-sqrtN", "ntk/finite_width.py", "np.maximum(z, 0) @ a / math.sqrt(a.size)",
      "np.maximum(z, 0) @ a / a.size", "network output N^{-1/2} -> N^{-1}"),
    M("ntk-entk-sw2", "ntk/finite_width.py", "(sigma_w ** 2 * X @ X.T + sigma_b ** 2)) / N",
      "(sigma_w * X @ X.T + sigma_b ** 2)) / N", "empirical NTK sigma_w^2 x.y -> sigma_w x.y"),
    M("ntk-gd-bias-grad", "ntk/finite_width.py", "\n            b[n] -= lr * can * sb * sbb\n",
      "\n            b[n] -= lr * can * sbb\n", "numba GD (d > 1): bias gradient factor sigma_b dropped"),
    M("ntk-gd-bias-grad-1d", "ntk/finite_width.py", "\n                b[n] -= lr * can * sb * sbb\n",
      "\n                b[n] -= lr * can * sbb\n", "numba GD (d = 1): bias gradient factor sigma_b dropped"),
    M("ntk-gd-fwd-1d", "ntk/finite_width.py", "F[i] += an * max(bn + w0 * x0[i], 0.0)",
      "F[i] += an * max(bn + x0[i], 0.0)", "numba GD (d = 1): forward pass without the input weight"),
    M("ntk-gd-lr", "ntk/finite_width.py", "lr = eta / (a_lazy * a_lazy)", "lr = eta / a_lazy",
      "numba GD: step eta/a_lazy^2 -> eta/a_lazy"),
    M("ntk-gd-loss", "ntk/finite_width.py", "L /= 2.0 * M", "L /= M", "numba GD: loss 1/(2M) -> 1/M"),
    M("ntk-gdnp-sw", "ntk/finite_width.py", "gw = c * a[:, None] * sigma_w * (Hm.T @ X)",
      "gw = c * a[:, None] * (Hm.T @ X)", "NumPy GD: input-weight gradient factor sigma_w dropped"),
    M("ntk-antisym", "ntk/finite_width.py", "np.concatenate([a, -a])", "np.concatenate([a, a])",
      "antisymmetric init (a, -a) -> (a, a)"),
    # ------------------------------------------------------------------ ntk/problems.py
    M("ntk-prob-ytilde", "ntk/problems.py", "gram_eigen(A, y / math.sqrt(M))", "gram_eigen(A, y / M)",
      "1-D Nystrom target y/sqrt(M) -> y/M"),
    M("ntk-prob-missing", "ntk/problems.py", "missing = max(sphere_cap_measure(m, beta) - float(e.sum()), 0.0)",
      "missing = max(sphere_cap_measure(m, beta), 0.0)", "sphere problem: missing energy tau(cap) - sum e -> tau(cap)"),
    M("ntk-prob-ball", "ntk/problems.py", "gram_eigen(A, np.sqrt(w) * (r < R))", "gram_eigen(A, w * (r < R))",
      "ball problem target sqrt(w) 1{r < R} -> w 1{r < R}"),
    # ------------------------------------------------------------------ randomfeatures/theory.py
    M("rf-df", "randomfeatures/theory.py", "np.sum(self.mult * self.lam / (self.lam + k[..., None]), axis=-1)",
      "np.sum(self.mult / (self.lam + k[..., None]), axis=-1)", "df(kappa) = sum lam/(lam + kappa): numerator lam dropped"),
    M("rf-spectrum-swap", "randomfeatures/theory.py", "Spectrum(a, b, M, k ** -b, k ** -a, np.ones(M), False, infinite)",
      "Spectrum(a, b, M, k ** -a, k ** -b, np.ones(M), False, infinite)", "exact spectrum: lambda = k^-b and task power k^-a swapped"),
    M("rf-binmean", "randomfeatures/theory.py", "s = (x0 ** (1 - p) - x1 ** (1 - p)) / (p - 1)",
      "s = (x0 ** (1 - p) - x1 ** (1 - p)) / (p + 1)", "bin mean of k^-p: 1/(p - 1) -> 1/(p + 1)"),
    M("rf-talbot-w", "randomfeatures/theory.py", "(1 / np.tan(th) - th / np.sin(th) ** 2 + 1j)",
      "(1 / np.tan(th) + th / np.sin(th) ** 2 + 1j)", "fixed-Talbot weights: - theta/sin^2 -> +"),
    M("rf-newton-eq", "randomfeatures/theory.py", "            g = kap * r1 * r3 - z[j]\n",
      "            g = kap * r1 - z[j]\n", "numba Newton: kappa equation kappa R1 R3 = z -> kappa R1 = z"),
    M("rf-transfer", "randomfeatures/theory.py", "(kap[:, None] + spec.lam[None, :]))",
      "(kap[:, None] + 2 * spec.lam[None, :]))", "transfer H_k = kappa/(z (kappa + lambda_k)): lambda -> 2 lambda"),
    M("rf-online-tau", "randomfeatures/theory.py", "    tau = 2 * t\n    kap = _kappa_path(spec, N, np.inf, tau, n, method=method)",
      "    tau = t\n    kap = _kappa_path(spec, N, np.inf, tau, n, method=method)", "P = inf loss H_k(2t) -> H_k(t)"),
    M("rf-ensemble", "randomfeatures/theory.py", "B + (L - B) / E,", "B + (L - B) / (2 * E),",
      "ensemble L_E = B + (L - B)/E -> B + (L - B)/(2E)"),
    M("rf-bias", "randomfeatures/theory.py", "return (H ** 2 * (spec.mult * spec.c)).sum(1)",
      "return (H * (spec.mult * spec.c)).sum(1)", "bias sum lambda w^2 H^2 -> H"),
    M("rf-a11", "randomfeatures/theory.py", "a11 = 1 - rho1 * rho3 * A2 * invP", "a11 = 1 + rho1 * rho3 * A2 * invP",
      "2x2 system: a11 = 1 - rho1 rho3 A2/P -> 1 + ..."),
    M("rf-T", "randomfeatures/theory.py", "T = u[:, None] + u[None, :] - spec.trace", "T = u[:, None] + u[None, :] + spec.trace",
      "2x2 system: T = u + u' - tr Lambda -> + tr Lambda"),
    M("rf-a22", "randomfeatures/theory.py", "a22 = 1 - rho1 * rho3 * A2 * invN", "a22 = 1 - rho1 * A2 * invN",
      "2x2 system: a22 factor rho3 dropped"),
    M("rf-static-model", "randomfeatures/theory.py", "np.sum(spec.mult * spec.c * k / (k + spec.lam))",
      "np.sum(spec.mult * spec.c * spec.lam / (k + spec.lam))", "static model limit kappa/(kappa + lambda) -> lambda/(kappa + lambda)"),
    M("rf-static-data", "randomfeatures/theory.py", "num = k * np.sum(spec.mult * spec.c / (spec.lam + k) ** 2)",
      "num = k * np.sum(spec.mult * spec.c / (spec.lam + k))", "static data limit numerator (lambda + kappa)^-2 -> ^-1"),
    M("rf-g-sign", "randomfeatures/theory.py", "math.exp(-lam * tau) * (1.0 + d * tau)) / (d * d)",
      "math.exp(-lam * tau) * (1.0 - d * tau)) / (d * d)", "1/N correction g(l, m; tau): (1 + d tau) -> (1 - d tau)"),
    M("rf-first-order-lam", "randomfeatures/theory.py", "tot += mult[k] * lam[k] * c[k] * inner",
      "tot += mult[k] * c[k] * inner", "1/N correction: lambda_k^2 w_k^2 -> lambda_k w_k^2"),
    M("rf-first-order-tau", "randomfeatures/theory.py", "        tau = 2 * tt\n        if method", "        tau = tt\n        if method",
      "1/N correction at tau = 2t -> t"),
    # ------------------------------------------------------------------ randomfeatures/simulation.py
    M("rf-sim-wstar", "randomfeatures/simulation.py", "wstar = k ** (-(a - b) / 2)", "wstar = k ** (-(a - b))",
      "teacher w*_k = k^{-(a-b)/2} -> k^{-(a-b)}"),
    M("rf-sim-gd-decay", "randomfeatures/simulation.py", "return (1 - eta * mu)[None, :] ** n[:, None]",
      "return (1 - eta * mu)[None, :] ** (2 * n[:, None])", "GD decay (1 - eta mu)^n -> ^{2n}"),
    M("rf-sim-expm1", "randomfeatures/simulation.py", "r = -np.expm1(-x) / mu[None, :]", "r = np.expm1(-x) / mu[None, :]",
      "(1 - e^{-mu t})/mu: sign flipped"),
    M("rf-sim-K", "randomfeatures/simulation.py", "K = AL @ A.T / N\n", "K = AL @ A.T / math.sqrt(N)\n",
      "P = inf kernel A Lambda A^T/N -> /sqrt(N)"),
    M("rf-sim-2t", "randomfeatures/simulation.py", "g = _one_minus_over(mu, 2 * t, eta)", "g = _one_minus_over(mu, t, eta)",
      "P = inf loss (1 - e^{-2 mu t}) -> (1 - e^{-mu t})"),
    M("rf-sim-train", "randomfeatures/simulation.py", "* decay_factor(s ** 2, t, eta) ** 2).sum(1)",
      "* decay_factor(s ** 2, t, eta)).sum(1)", "N = inf train loss e^{-2 s^2 t} -> e^{-s^2 t}"),
    M("rf-sim-B", "randomfeatures/simulation.py", "B = (A * sl) @ Z.T / math.sqrt(N * P)",
      "B = (A * sl) @ Z.T / math.sqrt(N)", "general B = A Lambda^{1/2} Z^T/sqrt(NP) -> /sqrt(N)"),
    M("rf-sim-cross", "randomfeatures/simulation.py", "L = e2 - 2 * u @ Dte + np.einsum", "L = e2 - u @ Dte + np.einsum",
      "general test loss: cross term -2 (D^T e).u -> -(D^T e).u"),
    M("rf-sim-ytilde", "randomfeatures/simulation.py", "ytil = Z @ e / math.sqrt(P)", "ytil = Z @ e / P",
      "general y~ = Z e/sqrt(P) -> /P"),
    M("rf-sim-ensemble", "randomfeatures/simulation.py", "v = ws[None, :] - pred / E", "v = ws[None, :] - pred",
      "ensemble predictor average pred/E -> pred"),
    # ------------------------------------------------------------------ randomfeatures/frontier.py
    M("rf-exp-model", "randomfeatures/frontier.py", "    rN = min(a - 1, b)\n", "    rN = min(a - 1, 2 * b)\n",
      "model exponent min(a - 1, b) -> min(a - 1, 2b) (issue 11 item 3 b)"),
    M("rf-exp-data", "randomfeatures/frontier.py", "data=min(a - 1, 2 * b)", "data=min(a - 1, b)",
      "data exponent min(a - 1, 2b) -> min(a - 1, b)"),
    M("rf-exp-time", "randomfeatures/frontier.py", "    rt = (a - 1) / b\n", "    rt = a / b\n",
      "time exponent (a - 1)/b -> a/b"),
    M("rf-exp-compute", "randomfeatures/frontier.py", "compute=rt * rN / (rt + rN)", "compute=rN / (rt + rN)",
      "compute exponent r_t r_N/(r_t + r_N) -> r_N/(r_t + r_N)"),
    M("rf-frontier-t", "randomfeatures/frontier.py", "ltn = np.log(cc) - lN", "ltn = np.log(cc) + lN",
      "frontier: t = C/N -> C N on the loss surface"),
    # ------------------------------------------------------------------ randomfeatures/realdata.py
    M("rf-real-c", "randomfeatures/realdata.py", "c = proj ** 2 / n", "c = proj ** 2",
      "task powers (V^T y)^2/n -> (V^T y)^2"),
    M("rf-real-s", "randomfeatures/realdata.py", "s = np.sqrt(n * lam)", "s = np.sqrt(lam)",
      "features psi = V sqrt(n lam) -> V sqrt(lam)"),
    M("rf-real-G", "randomfeatures/realdata.py", "G = rng.standard_normal((N, M)).T / math.sqrt(N)",
      "G = rng.standard_normal((N, M)).T", "projection A^T/sqrt(N): 1/sqrt(N) dropped"),
    M("rf-real-cross", "randomfeatures/realdata.py", "L = y2 - 2 * u @ bV + np.einsum", "L = y2 - u @ bV + np.einsum",
      "real-feature test loss: cross term -2 theta.b -> -theta.b"),
    M("rf-real-2t", "randomfeatures/realdata.py", "(_one_minus_over(mu, 2 * t, eta) * cc ** 2)",
      "(_one_minus_over(mu, t, eta) * cc ** 2)", "population flow (1 - d^2)/mu at 2t -> t"),
    # ------------------------------------------------------------------ deeplinear/closed_forms.py
    M("dl-lazy-gamma", "deeplinear/closed_forms.py", "(1.0 + 1.0 / np.float64(g) ** 2) * (1.0",
      "(1.0 + 1.0 / np.float64(g) ** 1) * (1.0", "lazy closed form gamma_tilde^-2 -> ^-1 (issue 11 item 3 c)"),
    M("dl-lazy-2t", "deeplinear/closed_forms.py", "(1.0 - (L + 1) * eta0) ** (2 * t) + sigma ** 2",
      "(1.0 - (L + 1) * eta0) ** t + sigma ** 2", "lazy closed form (1 - (L+1) eta0)^{2t} -> ^t"),
    M("dl-lazy-L1", "deeplinear/closed_forms.py", "(1.0 - (L + 1) * eta0) ** (2 * t) + sigma ** 2",
      "(1.0 - L * eta0) ** (2 * t) + sigma ** 2", "lazy closed form rate (L + 1) eta0 -> L eta0"),
    M("dl-lazy-pl", "deeplinear/closed_forms.py", "(w * lam * b2 * (1.0 - (L + 1) * eta0 * lam) ** (2 * t))",
      "(w * b2 * (1.0 - (L + 1) * eta0 * lam) ** (2 * t))", "lazy power-law loss: weight lambda_k dropped"),
    M("dl-rich-hard", "deeplinear/closed_forms.py", "return 2 * beta / (1 + beta) if beta < 1 else beta",
      "return 2 * beta / (2 + beta) if beta < 1 else beta", "rich exponent 2b/(1+b) -> 2b/(2+b) (issue 11 item 3 d)"),
    M("dl-rich-easy", "deeplinear/closed_forms.py", "return 2 * beta / (1 + beta) if beta < 1 else beta",
      "return 2 * beta / (1 + beta)", "rich exponent, easy task (beta > 1): beta -> 2b/(1+b)"),
    # ------------------------------------------------------------------ deeplinear/data.py
    M("dl-data-source", "deeplinear/data.py", "p = k ** (-a * beta - 1.0)", "p = k ** (-a * beta)",
      "power-law target lambda b^2 ~ k^{-a beta - 1} -> k^{-a beta}"),
    M("dl-data-b2", "deeplinear/data.py", "b2 = p / lam", "b2 = p", "b_k^2 = p_k/lambda_k -> p_k"),
    M("dl-data-bin", "deeplinear/data.py", "B_.append((lam[sl] * b2[sl]).sum() / sl_lam)",
      "B_.append(b2[sl].sum() / (hi - lo))", "binned b^2 = sum lam b^2/sum lam -> plain mean of b^2"),
    # ------------------------------------------------------------------ deeplinear/dmft.py
    M("dl-ntk-gamma", "deeplinear/dmft.py", "out = g / math.sqrt(nu)", "out = g / nu",
      "NTK parameterisation gamma0 = gamma_tilde/sqrt(nu) -> /nu"),
    M("dl-inv-g2nu", "deeplinear/dmft.py", "inv_g2nu = 0.0 if nu == math.inf else 1.0 / (g * g * nu)",
      "inv_g2nu = 0.0 if nu == math.inf else 1.0 / (g * nu)", "K_a coefficient 1/(gamma0^2 nu) -> 1/(gamma0 nu)"),
    M("dl-inv-gnu", "deeplinear/dmft.py", "inv_gnu = 0.0 if nu == math.inf else 1.0 / (g * nu)",
      "inv_gnu = 0.0 if nu == math.inf else 1.0 / (g * g * nu)", "Onsager coefficient 1/(gamma0 nu) -> 1/(gamma0^2 nu)"),
    M("dl-branch", "deeplinear/dmft.py", "b = nonnegative(\"beta0\", beta0) / math.sqrt(L)",
      "b = nonnegative(\"beta0\", beta0) / L", "residual branch scale beta0/sqrt(L) -> beta0/L"),
    M("dl-pl-wce", "deeplinear/dmft.py", "wce=lam ** 2 * b2, wL=lam * b2", "wce=lam * b2, wL=lam * b2",
      "power-law C_e weights lambda^2 b^2 -> lambda b^2"),
    M("dl-pl-cxi", "deeplinear/dmft.py", "cxi = 0.0 if N == math.inf else 1.0 / (g * g * N)",
      "cxi = 0.0 if N == math.inf else 1.0 / (g * N)", "finite-width bulk 1/(gamma0^2 N) -> 1/(gamma0 N)"),
    M("dl-pl-cA", "deeplinear/dmft.py", "cA = 0.0 if N == math.inf else 1.0 / (g * N)",
      "cA = 0.0 if N == math.inf else 1.0 / N", "finite-width Onsager 1/(gamma0 N) -> 1/N"),
    M("dl-pl-sigma", "deeplinear/dmft.py", "te = te + sigma ** 2", "te = te + sigma",
      "power-law test loss + sigma^2 -> + sigma"),
    # ------------------------------------------------------------------ deeplinear/_causal.py
    M("dl-causal-H", "deeplinear/_causal.py", "H[t, s] = Mgu[0, ot + s] / gamma0 - eta0 * Cg[0, ot + s]",
      "H[t, s] = Mgu[0, ot + s] / gamma0 + eta0 * Cg[0, ot + s]", "transfer H = B^1/gamma0 - eta0 sl(C_g^1): - -> +"),
    M("dl-causal-Ka", "deeplinear/_causal.py", "Ka[ot + s] = cg * inv_g2nu + 1.0", "Ka[ot + s] = cg * inv_g2nu",
      "signal kernel K_a = C_g^1/(gamma0^2 nu) + 1: + 1 dropped"),
    M("dl-causal-X", "deeplinear/_causal.py", "X[t, k] = 1.0 + lam[k] * X[t, k]", "X[t, k] = 1.0 - lam[k] * X[t, k]",
      "per-mode x_k = 1 + lambda_k H x_k: + -> -"),
    M("dl-causal-fwd", "deeplinear/_causal.py", "                    p -= eg * Cu[ot + s]\n",
      "                    p += eg * Cu[ot + s]\n", "forward pass P = A - eta0 gamma0 sl(C): - -> +"),
    M("dl-causal-bwd", "deeplinear/_causal.py", "Q[s] = Mgu[l + 1, ot + s] - eg * Cg[l + 1, ot + s]",
      "Q[s] = Mgu[l + 1, ot + s] + eg * Cg[l + 1, ot + s]", "backward pass Q = B - eta0 gamma0 sl(C_g): - -> + (L >= 2)"),
    M("dl-causal-top", "deeplinear/_causal.py", "gu[j] = -eg * SRu[j]", "gu[j] = eg * SRu[j]",
      "top-layer backward map -eta0 gamma0 sum r: sign flipped"),
    M("dl-causal-centred", "deeplinear/_causal.py", "cg = Cg1[ot + s] - Cg1[_off(s)] - Cg1[ot] + Cg1[0]",
      "cg = Cg1[ot + s] - Cg1[_off(s)] - Cg1[ot] - Cg1[0]", "centred kernel C(t,s) - C(s,0) - C(t,0) + C(0,0): last sign"),
    M("dl-causal-Cn", "deeplinear/_causal.py", "Cn[ot + s] = acc / alpha", "Cn[ot + s] = acc",
      "full-batch noise C_n = C_D/alpha -> C_D"),
    M("dl-causal-sgd", "deeplinear/_causal.py", "cn_diag[t] = (Cd[ot + t] + sigma2) / alpha_B",
      "cn_diag[t] = Cd[ot + t] / alpha_B", "online-SGD noise (C_d + sigma^2)/alpha_B: sigma^2 dropped"),
    M("dl-causal-A0", "deeplinear/_causal.py", "A0[ot + s] = a * inv_gnu", "A0[ot + s] = a * inv_g2nu",
      "Onsager A^0 = M_e R_D/(gamma0 nu) -> /(gamma0^2 nu)"),
    M("dl-causal-RD", "deeplinear/_causal.py", "rb = mdn[k] / alpha", "rb = mdn[k]",
      "data response R_beta = M_dn/alpha -> M_dn"),
    # ------------------------------------------------------------------ deeplinear/_strided.py
    M("dl-strided-Ka", "deeplinear/_strided.py", "row[s] = cg * inv_g2nu + 1.0", "row[s] = cg * inv_g2nu",
      "full-storage K_a: + 1 dropped (residual solver)"),
    M("dl-strided-top", "deeplinear/_strided.py", "                Q[s] = -eg\n", "                Q[s] = eg\n",
      "full-storage backward top layer Q = -eta0 gamma0: sign flipped (power-law general kernel)"),
    M("dl-strided-fwd", "deeplinear/_strided.py", "                p -= eg * Cu[t, s]\n", "                p += eg * Cu[t, s]\n",
      "full-storage forward pass P = A - eta0 gamma0 sl(C): - -> +"),
    M("dl-strided-sgd", "deeplinear/_strided.py", "Cn[t, t] = (Cd[t, t] + sigma2) / alpha_B",
      "Cn[t, t] = Cd[t, t] / alpha_B", "full-storage online-SGD noise: sigma^2 dropped"),
    M("dl-strided-CD", "deeplinear/_strided.py", "acc += (Cd[i, j] + sigma2) * RD[t, j]", "acc += Cd[i, j] * RD[t, j]",
      "full-storage train correlation C_D = R_D (C_d + sigma^2) R_D^T: sigma^2 dropped"),
    # ------------------------------------------------------------------ deeplinear/_residual.py
    M("dl-res-Q", "deeplinear/_residual.py", "- eg * b * b * Cg[i + 1, t, s]", "- eg * b * Cg[i + 1, t, s]",
      "residual backward: eta0 gamma0 b^2 C_g -> b C_g"),
    M("dl-res-branch", "deeplinear/_residual.py", "Mg[i, L + 1 + i, t, t] += b", "Mg[i, L + 1 + i, t, t] += 1.0",
      "residual backward source b v^l -> v^l"),
    M("dl-res-fwd", "deeplinear/_residual.py", "p -= eg * b * b * Cr[i - 1, t, s]", "p -= eg * b * Cr[i - 1, t, s]",
      "residual forward: eta0 gamma0 b^2 C_r -> b C_r"),
    M("dl-res-top", "deeplinear/_residual.py", "Mg[L, src, t, j] -= eg * Mr[L, src, s, j]",
      "Mg[L, src, t, j] += eg * Mr[L, src, s, j]", "residual readout g^{L+1} = w - eg sum r: sign flipped"),
    # ------------------------------------------------------------------ deeplinear/_powerlaw.py
    M("dl-pl-R", "deeplinear/_powerlaw.py", "R[t, s, k] += lam[k] * h * R[u, s, k]", "R[t, s, k] -= lam[k] * h * R[u, s, k]",
      "per-mode response R_k = (I - lambda_k H)^-1: sign flipped"),
    M("dl-pl-v", "deeplinear/_powerlaw.py", "v[t, k] = invB * (lam[k] * Lt + lam[k] * lam[k] * Cdd[t, k])",
      "v[t, k] = invB * lam[k] * Lt", "batch-noise variance: lambda^2 C_dk term dropped"),
    M("dl-pl-z", "deeplinear/_powerlaw.py", "z += lam[k] * lam[k] * cxi * Y[s, k]", "z += lam[k] * cxi * Y[s, k]",
      "finite-width C_e term lambda^2 cxi -> lambda cxi"),
    M("dl-pl-A0", "deeplinear/_powerlaw.py", "A0[t, s] = cA * a", "A0[t, s] = -cA * a",
      "finite-width Onsager A^0: sign flipped"),
    # ------------------------------------------------------------------ deeplinear/fixed_point.py
    M("dl-fp-H", "deeplinear/fixed_point.py", "H = B[0] / gamma0 - eta0 * _sl(Cg1)", "H = B[0] / gamma0 + eta0 * _sl(Cg1)",
      "fixed point transfer H: - eta0 sl(C_g^1) -> +"),
    M("dl-fp-Ka", "deeplinear/fixed_point.py", "Ka = Cgc * inv_g2nu + one", "Ka = Cgc * inv_g2nu",
      "fixed point K_a: + 1 dropped"),
    M("dl-fp-Cr", "deeplinear/fixed_point.py", "Cr[l] = M @ (Cu + Pm @ Cv @ Pm.T) @ M.T", "Cr[l] = M @ Cu @ M.T",
      "fixed point C_r = M (C + P C_g P^T) M^T: P C_g P^T dropped"),
    M("dl-fp-CD", "deeplinear/fixed_point.py", "CD = RD @ (Cd + sigma2 * one) @ RD.T", "CD = RD @ Cd @ RD.T",
      "fixed point C_D = R_D (C_d + sigma^2) R_D^T: sigma^2 dropped"),
    M("dl-linreg-H", "deeplinear/fixed_point.py", "H = -eta * _sl(one)", "H = -2 * eta * _sl(one)",
      "linear-regression DMFT H = -eta sl(1) -> -2 eta sl(1)"),
    # ------------------------------------------------------------------ deeplinear/simulation.py
    M("dl-sim-cout", "deeplinear/simulation.py", "cout = 1.0 / (g0 * nu * math.sqrt(D))", "cout = 1.0 / (g0 * nu * D)",
      "simulator readout beta = W^0T g/(gamma0 nu sqrt(D)) -> /(gamma0 nu D)"),
    M("dl-sim-loss", "deeplinear/simulation.py", "te = float(d @ d / D + sigma ** 2)", "te = float(d @ d / D + sigma)",
      "simulator test loss + sigma^2 -> + sigma"),
    M("dl-sim-e", "deeplinear/simulation.py", "e = math.sqrt(D) / P * (X.T @ res)", "e = D / P * (X.T @ res)",
      "full-batch direction e = sqrt(D)/P X^T Delta -> D/P"),
    M("dl-sim-W0", "deeplinear/simulation.py", "_ger(W0, -eg * s0, gs[0], e)", "_ger(W0, -eg, gs[0], e)",
      "rank-one step of W^0: factor 1/sqrt(D) dropped"),
    M("dl-sim-w", "deeplinear/simulation.py", "\n    w -= eg * rs[-1]\n", "\n    w += eg * rs[-1]\n",
      "rank-one step of the readout: sign flipped"),
    M("dl-sim-loop-w", "deeplinear/simulation.py", "\n        w -= eg * rs[-1]\n", "\n        w += eg * rs[-1]\n",
      "time loop, readout step: sign flipped"),
    M("dl-sim-loop-W0", "deeplinear/simulation.py", "L0.add_outer(-eg * s0, gs[0], e)", "L0.add_outer(-eg, gs[0], e)",
      "time loop, deferred step of W^0: factor 1/sqrt(D) dropped"),
    M("dl-sim-loop-W", "deeplinear/simulation.py", "Wl.add_outer(-eg * bl / sqN, gs[l + 1], rs[l])",
      "Wl.add_outer(-eg * bl, gs[l + 1], rs[l])", "time loop, deferred step of W^l: factor 1/sqrt(N) dropped"),
    M("dl-sim-fold", "deeplinear/simulation.py", "self.U[:k].T, beta=1.0, c=self.W.T", "self.U[:k].T, beta=0.0, c=self.W.T",
      "deferred updates: folding overwrites W instead of adding"),
    M("dl-sim-W", "deeplinear/simulation.py", "_ger(W, -eg * bl / sqN, gs[l + 1], rs[l])", "_ger(W, -eg * bl, gs[l + 1], rs[l])",
      "rank-one step of hidden W^l: factor 1/sqrt(N) dropped"),
    M("dl-sim-pl-cout", "deeplinear/simulation.py", "cout = 1.0 / (g0 * N)", "cout = 1.0 / (g0 * math.sqrt(N))",
      "power-law simulator readout 1/(gamma0 N) -> 1/(gamma0 sqrt(N))"),
    M("dl-sim-pl-batch", "deeplinear/simulation.py", "e = Xb.T @ res / B\n", "e = Xb.T @ res\n",
      "power-law online SGD direction X_B^T res/B -> X_B^T res"),
    M("dl-sim-branch", "deeplinear/simulation.py", "b = nonnegative(\"beta0\", beta0) / math.sqrt(L) if branch",
      "b = nonnegative(\"beta0\", beta0) / L if branch", "simulator residual branch beta0/sqrt(L) -> beta0/L"),
    M("dl-sim-half", "deeplinear/simulation.py", "return 0.5 * np.mean((f - y) ** 2)", "return np.mean((f - y) ** 2)",
      "loss_half_train (1/2) L_hat -> L_hat"),
    # ------------------------------------------------------------------ deeplinear/lr_sweep.py, lr_transfer.py
    M("dl-refine-vertex", "deeplinear/lr_sweep.py", "np.clip(-c[1] / (2 * c[0]), x[0], x[2])",
      "np.clip(-c[1] / c[0], x[0], x[2])", "parabola vertex -c1/(2 c0) -> -c1/c0"),
    M("dl-transfer-mask", "deeplinear/lr_transfer.py", "self.eta_sim <= up_to * self.sweeps[par, w].eta_star",
      "self.eta_sim >= up_to * self.sweeps[par, w].eta_star", "transfer deviation over rates <= 1.05 eta* -> >="),
    # ------------------------------------------------------------------ deeplinear/stability.py
    M("dl-edge-cumulant", "deeplinear/stability.py", "kap = np.array([0.0] + [r ** (1 - k) * mM[k]",
      "kap = np.array([0.0] + [r ** (-k) * mM[k]", "free cumulants kappa_k = r^{1-k} m_k(M) -> r^{-k} m_k(M)"),
    M("dl-edge-shift", "deeplinear/stability.py", "return np.array([sum(math.comb(k, j) * m[j] for j in range(k + 1))",
      "return np.array([sum(m[j] for j in range(k + 1))", "moments of I + B: binomial coefficients dropped"),
    M("dl-edge-alpha-moments", "deeplinear/stability.py", "m = np.where(k == 0, 1.0, alpha ** (1.0 - k) * mB)",
      "m = np.where(k == 0, 1.0, alpha ** (-k) * mB)", "K Sigma_hat moments alpha^{1-k} m_k(XKX^T) -> alpha^{-k}"),
    M("dl-edge-chain-z", "deeplinear/stability.py", "z = -1.0 / m + q * (1.0 - q * mM)", "z = -1.0 / m + q * (1.0 + q * mM)",
      "Stieltjes inverse z = -1/m + (r/m)(1 - (r/m) m_M): - -> +"),
    M("dl-edge-chain-top", "deeplinear/stability.py", "top = w if alpha is None else w / alpha",
      "top = w if alpha is None else w", "top eigenvalue of K Sigma_hat: division by alpha dropped"),
    M("dl-edge-eta", "deeplinear/stability.py", "eta_max=2.0 / lam,", "eta_max=1.0 / lam,", "eta_max = 2/lambda_max -> 1/lambda_max"),
    M("dl-edge-inf-rule", "deeplinear/stability.py", "data = 1.0 if alpha is None else (1.0 + 1.0 / math.sqrt(alpha)) ** 2\n    if",
      "data = 1.0 if alpha is None else (1.0 + 1.0 / alpha) ** 2\n    if", "infinite-width rule (1 + alpha^{-1/2})^2 -> (1 + 1/alpha)^2"),
    # ------------------------------------------------------------------ compare.py
    M("cmp-se-std", "compare.py", "x.std(0, ddof=1) / math.sqrt(n)", "x.std(0, ddof=1)",
      "standard error s/sqrt(n) -> s (issue 11 item 3 a)"),
    M("cmp-se-half", "compare.py", "x.std(0, ddof=1) / math.sqrt(n)", "x.std(0, ddof=1) / (2 * math.sqrt(n))",
      "standard error halved"),
    M("cmp-se-ddof", "compare.py", "x.std(0, ddof=1) / math.sqrt(n)", "x.std(0, ddof=0) / math.sqrt(n)",
      "standard error with ddof = 0"),
    M("cmp-log10-se", "compare.py", "float(self.test_se[-1]) / (L * math.log(10))", "float(self.test_se[-1]) / L",
      "log10 error propagation SE/(L ln 10) -> SE/L"),
    M("cmp-z", "compare.py", "return np.abs(s[idx] - th[idx]) / e", "return (s[idx] - th[idx]) / e",
      "z-score |sim - th|/SE -> signed"),
    M("cmp-rel", "compare.py", "return np.abs(s[idx] / th[idx] - 1)", "return np.abs(s[idx] / th[idx])",
      "relative error |sim/th - 1| -> |sim/th|"),
    M("cmp-agree-floor", "compare.py", "ratio = d / (k * e + rel * np.abs(ref) + floor)", "ratio = d / (k * e + rel * np.abs(ref))",
      "agreement tolerance: + floor dropped"),
    M("cmp-maxlog", "compare.py", "return float(np.max(np.abs(s[ok] - th[ok])))", "return float(np.max(s[ok] - th[ok]))",
      "max |log10 sim - log10 th| -> max (signed)"),
    M("cmp-catapult-se", "compare.py", "return f, math.sqrt(f * (1 - f) / n), int(up.sum())",
      "return f, math.sqrt(f * (1 - f)), int(up.sum())", "catapult fraction SE sqrt(f(1-f)/n) -> sqrt(f(1-f))"),
    M("cmp-rise", "compare.py", "return float(np.max(c / np.minimum.accumulate(c)))", "return float(np.max(c / c[0]))",
      "rise factor over the running minimum -> over the initial value"),
    M("cmp-prop-z", "compare.py", "math.sqrt(p * (1 - p) * (1 / n0 + 1 / n1))", "math.sqrt(p * (1 - p) / (n0 + n1))",
      "two-proportion z: pooled variance p(1-p)(1/n0 + 1/n1) -> p(1-p)/(n0 + n1)"),
    M("cmp-paired", "compare.py", "return seed_mean_se(a - b)", "return seed_mean_se(a + b)",
      "paired difference a - b -> a + b"),
    # ------------------------------------------------------------------ fits.py
    M("fits-exponent", "fits.py", "exponent=float(-slope)", "exponent=float(slope)", "fitted exponent -slope -> slope"),
    M("fits-C", "fits.py", "C=float(np.exp(icpt))", "C=float(icpt)", "prefactor exp(intercept) -> intercept"),
    M("fits-rms", "fits.py", "rms_log_residual=float(np.sqrt(np.mean(resid ** 2)))",
      "rms_log_residual=float(np.mean(resid ** 2))", "rms of the log residuals: sqrt dropped"),
    M("fits-local-mid", "fits.py", "np.exp(0.5 * (lx[1:] + lx[:-1]))", "np.exp(lx[1:])",
      "local slope at the geometric midpoints -> at the right ends"),
    M("fits-drift", "fits.py", "return 0.5 * (upper.exponent - lower.exponent)", "return upper.exponent - lower.exponent",
      "window drift (p_up - p_low)/2 -> p_up - p_low"),
    M("fits-tail-recip", "fits.py", "b, a = np.polyfit(1.0 / np.asarray(xc), 1.0 / pj, 1)",
      "b, a = np.polyfit(1.0 / np.asarray(xc), pj, 1)", "extrapolated exponent: reciprocal local exponents -> local exponents"),
    M("fits-tail-centre", "fits.py", "xc.append(math.sqrt(edges[j] * edges[j + 1]))", "xc.append(edges[j + 1])",
      "extrapolated exponent: sub-window centre sqrt(a b) -> right end b"),
    M("fits-tail-offset", "fits.py", "        lx = np.log(xs - x0)\n", "        lx = np.log(xs + x0)\n",
      "offset fit log(x - x0) -> log(x + x0)"),
    M("fits-tail-unc", "fits.py", "uncertainty=float(abs(p - p_up))", "uncertainty=0.0",
      "tail-exponent uncertainty |p - p(upper half)| -> 0"),
    M("fits-ratio", "fits.py", "abs(r) * math.hypot(da / a, db / b)", "abs(r) * (abs(da / a) + abs(db / b))",
      "ratio uncertainty in quadrature -> linear sum"),
]


def _copy_tree(tmp: Path) -> None:
    ign = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache", "*.egg-info")
    shutil.copytree(ROOT / "lib", tmp / "lib", ignore=ign)
    shutil.copytree(ROOT / "tests", tmp / "tests", ignore=ign)
    shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")


def _env(tmp: Path, cache: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tmp / "lib")
    env["NUMBA_CACHE_DIR"] = str(cache)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["MPLBACKEND"] = "Agg"
    env.setdefault("SCALINGLAWS_DATA_DIR", str(ROOT / ".cache" / "data"))
    env.pop("HYPOTHESIS_PROFILE", None)          # the derandomised CI profile of tests/conftest.py
    return env


def _check_import(tmp: Path, env: dict) -> None:
    out = subprocess.run([sys.executable, "-c", "import importlib.util as u; print(u.find_spec('scalinglaws').origin)"],
                         env=env, cwd=tmp, capture_output=True, text=True, check=True).stdout.strip()
    if not Path(out).resolve().is_relative_to((tmp / "lib").resolve()):
        raise RuntimeError(f"the scratch copy is not the imported package: scalinglaws from {out}")


def _mutation_cache(tmp: Path, warm: Path, mutated: str) -> Path:
    """A numba cache for one mutated run: a copy of the baseline runs' warm cache without the
    entries of the mutated file's subpackage (or, for a top-level module, of that module).

    numba recompiles a function whose own file changed (its index stores the file's stamp) but not
    one that calls a changed function of another file; jitted functions call each other only within
    one subpackage (``deeplinear/_residual.py`` into ``_strided.py``, ``ntk/spectra.py`` into
    ``kernels.py``), so dropping the whole subpackage's entries is enough and keeps the compiled
    kernels of the other subpackages.  With ``$NUMBA_CACHE_DIR`` set, numba keeps a file's entries
    in ``$NUMBA_CACHE_DIR/<folder name>_<sha1 of the folder's absolute path>`` (numba's
    ``_UserProvidedCacheLocator.get_suitable_cache_subpath``), named ``<module>.<function>-<line>...``."""
    import hashlib
    cache = Path(tempfile.mkdtemp(prefix="numba-", dir=tmp))
    shutil.rmtree(cache)
    shutil.copytree(warm, cache)
    src = Path(os.path.abspath(tmp / PKG / mutated))
    sub = cache / (src.parent.name + "_" + hashlib.sha1(str(src.parent).encode()).hexdigest())
    if "/" in mutated:                               # a subpackage: drop all of its entries
        shutil.rmtree(sub, ignore_errors=True)
    else:                                            # a top-level module: drop its own entries
        for f in sub.glob(src.stem + ".*"):
            f.unlink()
    return cache


def _pytest(tmp: Path, files: list[str], timeout: float, cache: Path | None = None) -> tuple[str, int | None, float, str]:
    """Run ``pytest -x`` on ``files`` in the scratch copy; ``cache``: the numba cache to use (kept:
    the baseline's warm cache) or ``None`` for a fresh one (removed afterwards)."""
    fresh = cache is None
    if fresh:
        cache = Path(tempfile.mkdtemp(prefix="numba-", dir=tmp))
    env = _env(tmp, cache)
    _check_import(tmp, env)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--no-header", "-rN"] + \
          [f"tests/{f}" for f in files]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=timeout)
        rc, out = p.returncode, p.stdout + p.stderr
        status = {0: "survived", 1: "killed", 2: "killed"}.get(rc, "error")
    except subprocess.TimeoutExpired as exc:
        rc, out, status = None, (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or ""), "timeout"
    dt = time.perf_counter() - t0
    if fresh:
        shutil.rmtree(cache, ignore_errors=True)
    first = next((ln.strip() for ln in out.splitlines() if ln.startswith(("FAILED", "ERROR", "E "))), "")
    return status, rc, dt, first[:300]


def check(mutations) -> list[str]:
    """Problems with the list: a snippet not exactly once in its file, a no-op, a duplicate id or a
    mutated file that does not compile."""
    probs, seen = [], set()
    for m in mutations:
        if m.id in seen:
            probs.append(f"{m.id}: duplicate id")
        seen.add(m.id)
        src = (ROOT / PKG / m.file).read_text()
        n = src.count(m.old)
        if n != 1:
            probs.append(f"{m.id}: snippet found {n} times in {m.file}")
            continue
        if m.old == m.new:
            probs.append(f"{m.id}: no change")
        try:
            compile(src.replace(m.old, m.new), m.file, "exec")
        except SyntaxError as exc:
            probs.append(f"{m.id}: mutated file does not compile ({exc})")
        for f in m.test_files:
            if not (ROOT / "tests" / f).exists():
                probs.append(f"{m.id}: test file tests/{f} missing")
    return probs


def run(mutations, timeout: float) -> dict:
    t_all = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="scalinglaws-mutation-"))
    try:
        _copy_tree(tmp)
        groups = sorted({tuple(m.test_files) for m in mutations})
        baseline = {}
        warm = tmp / "numba-warm"                    # filled by the baseline runs, copied per mutation
        warm.mkdir()
        for g in groups:
            st, rc, dt, first = _pytest(tmp, list(g), timeout, cache=warm)
            baseline[g] = dict(tests=list(g), status="passed" if st == "survived" else st, seconds=round(dt, 1),
                               first_failure=first)
            print(f"baseline {' '.join(g)}: {baseline[g]['status']} ({dt:.0f} s) {first}", flush=True)
        results = []
        for i, m in enumerate(mutations, 1):
            path = tmp / PKG / m.file
            orig = path.read_text()
            rec = dict(id=m.id, file=m.file, description=m.description, tests=m.test_files)
            if orig.count(m.old) != 1:
                rec.update(status="stale", killed=None, seconds=0.0, first_failure="")
            elif baseline[tuple(m.test_files)]["status"] != "passed":
                rec.update(status="error", killed=None, seconds=0.0,
                           first_failure="baseline failed: " + baseline[tuple(m.test_files)]["first_failure"])
            else:
                stamp = path.stat()
                path.write_text(orig.replace(m.old, m.new))
                cache = _mutation_cache(tmp, warm, m.file)
                try:
                    st, rc, dt, first = _pytest(tmp, m.test_files, timeout, cache=cache)
                finally:
                    path.write_text(orig)
                    # the original stamp back: the warm cache's entries of this file stay valid
                    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
                    shutil.rmtree(cache, ignore_errors=True)
                rec.update(status=st, killed=(st in ("killed", "timeout")) if st != "error" else None,
                           seconds=round(dt, 1), first_failure=first, returncode=rc)
            results.append(rec)
            print(f"[{i:3d}/{len(mutations)}] {rec['status']:8s} {rec['seconds']:6.1f} s  {m.id:22s} {m.description}"
                  + (f"\n           {rec['first_failure']}" if rec["status"] == "killed" and rec["first_failure"] else ""),
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    counted = [r for r in results if r["killed"] is not None]
    killed = sum(r["killed"] for r in counted)
    return dict(results=results, baseline=list(baseline.values()), counted=len(counted), killed=killed,
                kill_fraction=(killed / len(counted)) if counted else float("nan"),
                total_seconds=round(time.perf_counter() - t_all, 1))


def _rows(res: dict) -> list[dict]:
    per: dict = {}
    for r in res["results"]:
        key = r["file"]
        row = per.setdefault(key, {"file": key, "mutations": 0, "killed": 0, "survived": 0, "not counted": 0})
        row["mutations"] += 1
        if r["killed"] is None:
            row["not counted"] += 1
        elif r["killed"]:
            row["killed"] += 1
        else:
            row["survived"] += 1
    rows = list(per.values())
    tot = {k: sum(r[k] for r in rows) for k in ("mutations", "killed", "survived", "not counted")}
    rows.append({"file": "all", **tot})
    for r in rows:
        n = r["killed"] + r["survived"]
        r["kill fraction"] = r["killed"] / n if n else float("nan")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=None, help="comma-separated mutation ids")
    ap.add_argument("--module", default=None, help="ntk, randomfeatures, deeplinear, fits or compare")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per pytest run")
    ap.add_argument("--check", action="store_true", help="only check the list (snippets, compilation)")
    ap.add_argument("--no-bench", action="store_true", help="do not write benchmarks/results/mutation.json")
    ap.add_argument("--rerun-survivors", action="store_true",
                    help="rerun only the survivors of benchmarks/results/mutation.json (after tests were added) and "
                         "update their records there; the other records are kept as they are")
    a = ap.parse_args(argv)
    if a.rerun_survivors:
        return _rerun_survivors(a.timeout)
    muts = MUTATIONS
    if a.only:
        want = set(a.only.split(","))
        muts = [m for m in muts if m.id in want]
    if a.module:
        muts = [m for m in muts if m.module == a.module]
    probs = check(muts)
    if a.check:
        print("\n".join(probs) or f"{len(muts)} mutations: every snippet found once, every mutated file compiles")
        return 1 if probs else 0
    for p in probs:
        print("warning:", p)
    res = run(muts, a.timeout)
    surv = [r for r in res["results"] if r["killed"] is False]
    other = [r for r in res["results"] if r["killed"] is None]
    print(f"\n{res['killed']}/{res['counted']} mutations killed ({100 * res['kill_fraction']:.1f} %), "
          f"{len(surv)} survived, {len(other)} not counted; {res['total_seconds']:.0f} s")
    for r in surv:
        print(f"  survived: {r['id']} ({r['file']}): {r['description']}")
    for r in other:
        print(f"  {r['status']}: {r['id']} ({r['file']}): {r['first_failure']}")
    if not a.no_bench and not a.only and not a.module:
        _write(res, surv)
    return 0


def _library_sha() -> str:
    """SHA-256 over the path and contents of every ``.py`` file of ``lib/scalinglaws``."""
    import hashlib
    h = hashlib.sha256()
    for p in sorted((ROOT / PKG).rglob("*.py")):
        if "__pycache__" not in p.parts:
            h.update(p.relative_to(ROOT).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _rerun_survivors(timeout: float) -> int:
    """Rerun the survivors of the last full run against the current tests; a mutation killed now
    keeps ``rerun: true`` in its record.  Refused unless the library is byte for byte the one of
    that run (only tests were added since): the records of the other mutations stay valid."""
    path = ROOT / "benchmarks" / "results" / "mutation.json"
    old = json.loads(path.read_text())
    if old.get("library_sha256") != _library_sha():
        print("the library changed since the full run in benchmarks/results/mutation.json: run the full list again")
        return 1
    surv_ids = [r["id"] for r in old["mutations"] if r.get("killed") is False]
    if not surv_ids:
        print("no survivors to rerun")
        return 0
    by_id = {m.id: m for m in MUTATIONS}
    res = run([by_id[i] for i in surv_ids if i in by_id], timeout)
    new = {r["id"]: dict(r, rerun=True) for r in res["results"]}
    results = [new.get(r["id"], r) for r in old["mutations"]]
    counted = [r for r in results if r["killed"] is not None]
    killed = sum(bool(r["killed"]) for r in counted)
    merged = dict(results=results, baseline=old.get("baseline", []) + res["baseline"], counted=len(counted),
                  killed=killed, kill_fraction=killed / len(counted) if counted else float("nan"),
                  total_seconds=round(old.get("total_seconds", 0.0) + res["total_seconds"], 1))
    merged["first_run"] = old.get("first_run") or dict(counted=old["counted"], killed=old["killed"])
    surv = [r for r in results if r["killed"] is False]
    print(f"\nafter the rerun: {killed}/{len(counted)} killed ({100 * merged['kill_fraction']:.1f} %), {len(surv)} survived")
    _write(merged, surv, rerun=len(new))
    return 0


def _write(res: dict, surv: list, rerun: int = 0) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import common
    notes = (f"tools/mutation.py (make mutation): {res['counted']} one-formula mutations of the science modules "
             "(constants, exponents and factors of every closed form, a sign or term in every kernel recursion, "
             "the statistics of compare.py and fits.py; rule in the script's docstring), each run against the "
             "test files of its module (pytest -x, the mutated subpackage recompiled). killed = some test failed. "
             f"Kill fraction {100 * res['kill_fraction']:.1f} % (goal >= 95 %); whole run "
             f"{res['total_seconds'] / 60:.0f} min. "
             + (f"The survivors of the full run were rerun after tests were added for them "
                f"(--rerun-survivors, the library unchanged; {rerun} mutations in the last rerun); the full run "
                f"itself killed {res['first_run']['killed']}/{res['first_run']['counted']}. " if rerun else "")
             + ("Survivors: " + "; ".join(f"{r['id']} ({r['description']})" for r in surv) + "."
                if surv else "No survivors."))
    common.write("mutation", "Mutation testing of the formulas (issue 11 item 3)", _rows(res), notes=notes,
                 extra={"kill_fraction": res["kill_fraction"], "counted": res["counted"], "killed": res["killed"],
                        "total_seconds": res["total_seconds"], "baseline": res["baseline"],
                        "mutations": res["results"], "library_sha256": _library_sha(),
                        **({"first_run": res["first_run"]} if "first_run" in res else {})})


if __name__ == "__main__":
    sys.exit(main())
