"""Activations of the shallow network of paper 1 and the closed forms of their Gaussian dual
kernels (Eqs. (T1.42)-(T1.47)).

A one-hidden-layer network ``f(x) = N^{-1/2} sum_n a_n phi(sigma_w w_n.x + sigma_b b_n)``
(``a, w, b ~ N(0, 1)``) has, with ``x~ = (sigma_w x, sigma_b)``, jointly Gaussian pre-activations
``(u, v)`` of variances ``q_x = |x~|^2``, ``q_y = |y~|^2`` and covariance ``rho = x~.y~``.  Its
infinite-width kernels are the *dual kernels* (Eq. (T1.42))::

    Sigma(x, y)    = E[phi(u) phi(v)]                   (output layer, NNGP)
    Theta_in(x, y) = rho E[phi'(u) phi'(v)]             (hidden layer: input weights and bias)
    Theta(x, y)    = Sigma + Theta_in                   (full NTK)

:class:`Activation` holds ``phi``, its derivative, its smoothness order ``s`` (``phi`` is
``C^{s-1}`` with a jump in its ``s``-th derivative at 0; ``inf`` for smooth activations; it sets the
kernel's diagonal singularity ``alpha``, Eq. (T1.48)), its positive homogeneity degree (if any) and,
where one exists, the closed form of ``E[phi(u) phi(v)]`` and ``E[phi'(u) phi'(v)]``:

* ``relu^k`` for every integer ``k >= 0`` (``k = 0``: Heaviside) through the arc-cosine functions
  ``J_k = P_k(c) (pi - theta) + Q_k(c) sin theta`` with polynomials from the recurrence
  ``J_k' = k^2 J_{k-1}`` (Eqs. (T1.43)-(T1.44));
* leaky ReLU and ``abs`` as ``a z + (1 - a) relu(z)`` (Eq. (T1.45));
* ``erf`` (Williams 1997; Eq. (T1.46)).

Other activations (``tanh``, ``gelu``, ``silu``, any user function) use the numerical paths of
:mod:`scalinglaws.ntk.dual`.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy.special import erf as _erf

from .._validation import array, integer, real

__all__ = ["Activation", "activation", "relu_power", "leaky_relu", "ACTIVATIONS", "arccos_polynomials",
           "arccos_J_general", "kernel_alpha"]

RELU_POWER_MAX = 12       # beyond this the P_k, Q_k coefficients exceed 1e15 and J_k loses digits


class Activation:
    """An elementwise activation ``phi`` for the dual kernels of Eq. (T1.42).

    Parameters
    ----------
    fn : callable
        ``phi``, applied to float arrays (vectorised, same shape out).
    deriv : callable or None
        ``phi'`` (needed for the hidden-layer part ``"input"`` and the full NTK unless the numerical
        path may use Stein's identity, see :mod:`.dual`).  ``None``: unknown.
    name : str
        Short name used in tables and messages.
    order : float
        Smoothness order ``s``: ``phi`` is ``C^{s-1}`` with a jump of its ``s``-th derivative at 0
        (Heaviside 0, ReLU 1, ReLU^k k; ``math.inf`` for smooth ``phi``; ``None`` if unknown, then
        no exponent can be predicted).  Only singularities at ``z = 0`` are resolved exactly by
        the polar quadrature of :mod:`.dual`.
    degree : float or None
        Positive homogeneity degree ``p`` (``phi(lam z) = lam^p phi(z)`` for ``lam > 0``), if any.
    """

    def __init__(self, fn, deriv=None, *, name="custom", order=None, degree=None, _dual=None, _params=None):
        if not callable(fn):
            raise ValueError(f"`fn` must be a callable phi(z) on float arrays, got {fn!r}")
        if deriv is not None and not callable(deriv):
            raise ValueError(f"`deriv` must be None or a callable phi'(z), got {deriv!r}")
        if not isinstance(name, str) or not name:
            raise ValueError(f"`name` must be a non-empty string, got {name!r}")
        if order is not None:
            order = real("order", order, 0.0) if order != math.inf else math.inf
        if degree is not None:
            degree = real("degree", degree, 0.0)
        self.fn, self.deriv, self.name, self.order, self.degree = fn, deriv, name, order, degree
        self._dual = _dual           # closed form: (q1, q2, rho, c, s, part) -> values, or None
        self.params = dict(_params or {})
        _check_finite_function(self)

    @property
    def smooth(self) -> bool:
        """True for an analytic activation (``order = inf``)."""
        return self.order == math.inf

    @property
    def closed_form(self) -> bool:
        """True if the dual kernels have a closed form here."""
        return self._dual is not None

    def __repr__(self):
        p = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Activation({self.name}{', ' + p if p else ''})"

    def __call__(self, z):
        return self.fn(np.asarray(z, dtype=float))


_PROBE = np.concatenate([-np.geomspace(1e-8, 1e3, 200)[::-1], [0.0], np.geomspace(1e-8, 1e3, 200)])
_PROBE_2D = np.stack([_PROBE[:400:2], _PROBE[1:400:2]])     # the quadratures call phi on 2-D and 3-D arrays


def _check_finite_function(act):
    """An activation must be a finite elementwise function on the real line (probed on +-[1e-8, 1e3],
    as a 1-D and a 2-D array)."""
    for label, f in (("fn", act.fn), ("deriv", act.deriv)):
        if f is None:
            continue
        for probe in (_PROBE, _PROBE_2D):
            try:
                with np.errstate(all="ignore"):
                    v = np.asarray(f(probe.copy()), dtype=float)
            except Exception as exc:   # noqa: BLE001 -- any failure of a user callable is reported
                raise ValueError(f"activation `{label}` of {act.name!r} failed on a float array: {exc}") from exc
            if v.shape != probe.shape:
                raise ValueError(f"activation `{label}` of {act.name!r} must be elementwise (same shape out), "
                                 f"got shape {v.shape} for input shape {probe.shape}")
            bad = ~np.isfinite(v.ravel())
            if bad.any():
                i = int(np.argmax(bad))
                raise ValueError(f"activation `{label}` of {act.name!r} must be a finite function on the real line; "
                                 f"it returns {v.ravel()[i]!r} at z = {probe.ravel()[i]:g}")


# --- arc-cosine functions J_k for every k (Eqs. (T1.43)-(T1.44)) ----------------------------------------

def _poly_int(p):
    # antiderivative with zero constant; p = coefficients c_0, c_1, ...
    return [Fraction(0)] + [c / (i + 1) for i, c in enumerate(p)]


def _solve_fraction(A, b):
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for col in range(n):
        piv = next(r for r in range(col, n) if M[r][col] != 0)
        M[col], M[piv] = M[piv], M[col]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [a - f * b_ for a, b_ in zip(M[r], M[col])]
    return [M[i][n] / M[i][i] for i in range(n)]


_ARCCOS_CACHE: dict[int, tuple[list, list]] = {0: ([Fraction(1)], [Fraction(0)])}


def arccos_polynomials(k):
    """Exact rational coefficients of ``P_k``, ``Q_k`` with ``J_k(theta) = P_k(c) (pi - theta) +
    Q_k(c) sin theta`` (``c = cos theta``), Eq. (T1.44).

    From ``dJ_k/dc = k^2 J_{k-1}`` and ``J_k(pi) = 0``: ``P_k' = k^2 P_{k-1}`` and
    ``P_k - c Q_k + (1 - c^2) Q_k' = k^2 (1 - c^2) Q_{k-1}`` (one linear system per ``k``).
    ``J_0 = pi - theta``, ``J_1 = sin theta + (pi - theta) cos theta``.  ``0 <= k <= 12`` an
    integer; returns ``(P, Q)`` as lists of :class:`fractions.Fraction` (lowest degree first)."""
    k = integer("k", k, 0, RELU_POWER_MAX)
    for n in range(1, k + 1):
        if n in _ARCCOS_CACHE:
            continue
        Pp, Qp = _ARCCOS_CACHE[n - 1]
        base = _poly_int([n * n * c for c in Pp])          # P_n = base + C
        # unknowns: C, q_0..q_{n-1}; equations: coefficients of c^0..c^n
        nun = n + 1
        A = [[Fraction(0)] * nun for _ in range(n + 1)]
        rhs = [Fraction(0)] * (n + 1)
        # rhs: n^2 (1 - c^2) Q_{n-1} - base
        for i, c in enumerate(Qp):
            if i < n + 1:
                rhs[i] += n * n * c
            if i + 2 < n + 1:
                rhs[i + 2] -= n * n * c
        for i, c in enumerate(base):
            if i < n + 1:
                rhs[i] -= c
        A[0][0] = Fraction(1)                                # C
        for j in range(n):                                   # q_j c^j
            col = j + 1
            A[j + 1][col] -= 1                               # -c q_j c^j -> c^{j+1}
            if j >= 1:
                A[j - 1][col] += j                           # q_j j c^{j-1}
                A[j + 1][col] -= j                           # -c^2 q_j j c^{j-1}
        sol = _solve_fraction(A, rhs)
        P = list(base)
        P[0] += sol[0]
        _ARCCOS_CACHE[n] = (P, sol[1:])
    return _ARCCOS_CACHE[k]


def _polyval(coef, c):
    out = np.zeros_like(c)
    for a in reversed(coef):
        out = out * c + float(a)
    return out


_CS_TOL = 1e-6     # |c - cos theta|, |s - sin theta| allowed for c, s "known more accurately" than theta


def arccos_J_general(k, theta, c=None, s=None):
    """Arc-cosine function ``J_k(theta)`` for any integer ``0 <= k <= 12`` (Eq. (T1.44)); ``c``,
    ``s`` (``cos theta``, ``sin theta``) may be passed when known more accurately than from
    ``theta``.  ``E[relu^k(u) relu^k(v)] = (q_x q_y)^{k/2} J_k(theta)/(2 pi)``.

    ``theta``: a non-empty array (or scalar) of angles in ``[0, pi]``; ``c`` in ``[-1, 1]``, ``s`` in
    ``[0, 1]`` of the same shape (or broadcastable to it), within ``1e-6`` of ``cos theta``,
    ``sin theta``.  Raises ``ValueError`` naming the parameter otherwise."""
    k = integer("k", k, 0, RELU_POWER_MAX)
    theta = array("theta", theta, lo=0.0, hi=math.pi)
    out = []
    for name, v, lo, ref in (("c", c, -1.0, np.cos), ("s", s, 0.0, np.sin)):
        if v is None:
            out.append(ref(theta))
            continue
        v = array(name, v, lo=lo, hi=1.0)
        try:
            v = np.array(np.broadcast_to(v, theta.shape))
        except ValueError:
            raise ValueError(f"`{name}` must have the shape of `theta` {theta.shape}, got {v.shape}") from None
        dev = float(np.max(np.abs(v - ref(theta))))
        if dev > _CS_TOL:
            raise ValueError(f"`{name}` must be {ref.__name__}(theta) (within {_CS_TOL:g}), got a difference of {dev:.3g}")
        out.append(v)
    return _arccos_J(k, theta, out[0], out[1])


def _arccos_J(k, theta, c, s):
    # J_k on checked arrays theta, c = cos theta, s = sin theta (the dual kernels' hot path)
    P, Q = arccos_polynomials(k)
    return _polyval(P, c) * (math.pi - theta) + _polyval(Q, c) * s


# --- closed-form dual kernels --------------------------------------------------------------------------
# Each takes q1, q2 (variances), rho (covariance), theta, c = cos theta, s = sin theta (arrays, q > 0)
# and returns (E[phi phi], E[phi' phi']) (the second None when phi' is a delta).

def _relu_dual(k):
    def dual(q1, q2, rho, theta, c, s):
        nn = np.sqrt(q1 * q2)
        out = nn ** k * _arccos_J(k, theta, c, s) / (2 * math.pi)
        if k == 0:
            return out, None
        der = k * k * nn ** (k - 1) * _arccos_J(k - 1, theta, c, s) / (2 * math.pi)
        return out, der
    return dual


def _leaky_dual(a):
    relu = _relu_dual(1)

    def dual(q1, q2, rho, theta, c, s):
        sig, der = relu(q1, q2, rho, theta, c, s)
        return a * rho + (1 - a) ** 2 * sig, a + (1 - a) ** 2 * (math.pi - theta) / (2 * math.pi)
    return dual


def _erf_dual(q1, q2, rho, theta, c, s):
    a = (1 + 2 * q1) * (1 + 2 * q2)
    # 4 (q1 q2 - rho^2) = 4 q1 q2 s^2 (no cancellation near rho^2 = q1 q2)
    det = (1 + 2 * q1 + 2 * q2) + 4 * q1 * q2 * s * s
    return (2 / math.pi) * np.arcsin(2 * rho / np.sqrt(a)), (4 / math.pi) / np.sqrt(det)


def relu_power(k):
    """``relu(z)^k`` (``k = 0``: Heaviside ``1{z > 0}``) for an integer ``0 <= k <= 12``:
    smoothness order ``k``, homogeneity degree ``k``, closed-form dual kernels (Eq. (T1.43))."""
    k = integer("k", k, 0, RELU_POWER_MAX)
    if k == 0:
        fn, deriv, name = (lambda z: (z > 0).astype(float)), None, "heaviside"
    elif k == 1:
        fn, deriv, name = (lambda z: np.maximum(z, 0.0)), (lambda z: (z > 0).astype(float)), "relu"
    else:
        fn = lambda z: np.maximum(z, 0.0) ** k                       # noqa: E731
        deriv = lambda z: k * np.maximum(z, 0.0) ** (k - 1)          # noqa: E731
        name = f"relu^{k}"
    return Activation(fn, deriv, name=name, order=k, degree=k, _dual=_relu_dual(k), _params={"k": k})


def leaky_relu(slope=0.01):
    """``z`` for ``z > 0``, ``slope z`` otherwise: ``slope z + (1 - slope) relu(z)`` (``max(z, slope z)``
    when ``slope < 1``); ``slope`` finite, ``!= 1``
    (``slope = -1`` is ``abs``): smoothness order 1, degree 1, closed form (Eq. (T1.45))."""
    a = real("slope", slope)
    if a == 1:
        raise ValueError("`slope` must differ from 1 (slope 1 is the linear activation, a finite-rank kernel)")
    return Activation(lambda z: np.where(z > 0, z, a * z), lambda z: np.where(z > 0, 1.0, a),
                      name="abs" if a == -1 else "leaky_relu", order=1, degree=1, _dual=_leaky_dual(a),
                      _params={} if a == -1 else {"slope": a})


def _gelu(z):
    return 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0)))


def _gelu_deriv(z):
    return 0.5 * (1.0 + _erf(z / math.sqrt(2.0))) + z * np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


def _silu(z):
    return z / (1.0 + np.exp(-z))


def _silu_deriv(z):
    sg = 1.0 / (1.0 + np.exp(-z))
    return sg * (1.0 + z * (1.0 - sg))


def _tanh_deriv(z):
    return 1.0 / np.cosh(np.clip(z, -350, 350)) ** 2


def _smooth(fn, deriv, name, dual=None):
    return Activation(fn, deriv, name=name, order=math.inf, degree=None, _dual=dual)


ACTIVATIONS = ("heaviside", "relu", "relu^k", "leaky_relu", "abs", "tanh", "erf", "gelu", "silu")


def activation(spec, **params):
    """The :class:`Activation` named ``spec`` (one of :data:`ACTIVATIONS`; ``"relu^k"`` with an
    integer ``k``, e.g. ``"relu^3"``; ``"leaky_relu"`` takes ``slope=``), an integer ``k`` (read as
    ``relu^k``), or an :class:`Activation` (returned as is).  ``gelu`` is the exact ``z Phi(z)``.
    Raises ``ValueError`` naming ``activation`` for anything else."""
    if isinstance(spec, Activation):
        if params:
            raise ValueError(f"`activation` parameters {sorted(params)} cannot be applied to an Activation object")
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return _relu_power_spec(spec, int(spec))
    if not isinstance(spec, str):
        raise ValueError(f"`activation` must be a name in {ACTIVATIONS}, an integer k (relu^k) or an "
                         f"Activation, got {spec!r}")
    name = spec.strip().lower()
    allowed = {"leaky_relu": {"slope"}}.get(name, set())
    if set(params) - allowed:
        raise ValueError(f"`activation` {spec!r} takes no parameters {sorted(set(params) - allowed)}")
    if name.startswith("relu^"):
        try:
            k = int(name[5:])
        except ValueError:
            raise ValueError(f"`activation` {spec!r}: the power after 'relu^' must be an integer") from None
        return _relu_power_spec(spec, k)
    table = {
        "heaviside": lambda: relu_power(0),
        "relu": lambda: relu_power(1),
        "leaky_relu": lambda: leaky_relu(**params),
        "abs": lambda: leaky_relu(-1.0),
        "tanh": lambda: _smooth(np.tanh, _tanh_deriv, "tanh"),
        "erf": lambda: _smooth(_erf, lambda z: 2 / math.sqrt(math.pi) * np.exp(-z * z), "erf", _erf_dual),
        "gelu": lambda: _smooth(_gelu, _gelu_deriv, "gelu"),
        "silu": lambda: _smooth(_silu, _silu_deriv, "silu"),
    }
    if name not in table:
        raise ValueError(f"`activation` must be one of {ACTIVATIONS} (or an Activation), got {spec!r}")
    return table[name]()


def _relu_power_spec(spec, k):
    # relu_power(k) for an activation given as "relu^k" or k: the message names `activation` too
    try:
        return relu_power(k)
    except ValueError as exc:
        raise ValueError(f"`activation` {spec!r}: {exc}") from None


def kernel_alpha(act, part):
    """Order ``alpha`` of the diagonal singularity of the dual kernel ``part`` of ``act``
    (Eq. (T1.48)): ``2s + 1`` for the output layer, ``2s - 1`` for the hidden layer and the full
    NTK (``s >= 1``; the hidden-layer part dominates), ``inf`` for smooth activations.  Raises
    ``ValueError`` if ``act.order`` is unknown or the part does not exist (Heaviside hidden layer).
    """
    act = activation(act)
    if part not in ("full", "output", "input"):
        raise ValueError(f"`part` must be one of ('full', 'output', 'input'), got {part!r}")
    if act.order is None:
        raise ValueError(f"activation {act.name!r} has no smoothness `order`: alpha cannot be predicted")
    if act.order == math.inf:
        return math.inf
    s = act.order
    if part == "output":
        return 2 * s + 1
    if s < 1:
        raise ValueError(f"`part` {part!r} needs phi' (the hidden layer); {act.name!r} has order {s:g} < 1")
    return 2 * s - 1
