"""Named data modes of the deep-linear DMFT and its kernels (the integer codes the numba kernels take;
Eq. (T3.16) of the theory page).

* ``POPULATION`` -- gradient descent on the population loss (infinite data, no noise source);
* ``FULL_BATCH`` -- full-batch GD on ``P = alpha D`` fixed samples (response ``R_D`` and the
  data-noise correlation ``C_n = C_D/alpha``);
* ``ONLINE_SGD`` -- online SGD with ``B = alpha_B D`` fresh samples per step (white batch noise of
  variance ``(C_d(t,t) + sigma^2)/alpha_B``).
"""
POPULATION = 0
FULL_BATCH = 1
ONLINE_SGD = 2

__all__ = ["POPULATION", "FULL_BATCH", "ONLINE_SGD"]
