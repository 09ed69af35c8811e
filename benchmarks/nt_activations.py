"""neural-tangents side of the any-activation kernel check; runs in the optional ``.venv-nt``
environment (``make bench-env``).

Usage: ``.venv-nt/bin/python benchmarks/nt_activations.py in.npz out.npz``: reads the points ``X``
(``(n, d)``) and the scales ``sigma_w``, ``sigma_b`` from ``in.npz`` and writes, for every activation
neural-tangents has in closed form, the NNGP (``"<name>/output"``) and the NTK (``"<name>/full"``) of
``f(x) = N^{-1/2} sum_n a_n phi(sigma_w w_n.x + sigma_b b_n)`` (our network, Eq. (T1.1)).  NT's
``Dense`` divides by the fan-in, so ``W_std = sigma_w sqrt(d)``; the read-out layer has
``W_std = 1, b_std = 0`` so that the NTK is ``Sigma + rho E[phi' phi']`` as in Eq. (T1.42).
"""
import sys

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from neural_tangents import stax  # noqa: E402

data = np.load(sys.argv[1])
X = np.asarray(data["X"], dtype=float)
sw, sb = float(data["sigma_w"]), float(data["sigma_b"])
d = X.shape[1]
LAYERS = {
    "relu": stax.Relu(),
    "leaky_relu": stax.LeakyRelu(0.2),
    "abs": stax.Abs(),
    "erf": stax.Erf(),
    "gelu": stax.Gelu(approximate=False),
}
out = {}
for name, layer in LAYERS.items():
    _, _, kernel_fn = stax.serial(stax.Dense(512, W_std=sw * np.sqrt(d), b_std=sb), layer,
                                  stax.Dense(1, W_std=1.0, b_std=0.0))
    k = kernel_fn(jnp.asarray(X), jnp.asarray(X), get=("nngp", "ntk"))
    out[f"{name}/output"] = np.asarray(k.nngp)
    out[f"{name}/full"] = np.asarray(k.ntk)
np.savez(sys.argv[2], **out)
print("ok", jax.__version__)
