"""Paper 1 (Velikanov & Yarotsky 2021): the NTK of a shallow network, its spectra, and the loss
asymptotics of kernel gradient descent.

* :mod:`.kernels` -- infinite-width NNGP/NTK of a shallow ReLU^m network (arc-cosine kernels):
  Gram matrices, 1-D kernels;
* :mod:`.activations` -- any activation: ReLU^k, leaky ReLU, abs, tanh, erf, GELU, SiLU or a user
  function; closed-form dual kernels and the diagonal singularity order alpha;
* :mod:`.dual` -- dual kernels by closed form, polar quadrature, Hermite expansion or the Fourier
  form;
* :mod:`.gram` -- tables in the angle and Gram matrices of any activation, with or without bias;
* :mod:`.population` -- Funk-Hecke spectra on S^m for any activation; population spectra of
  rotation-invariant densities (uniform ball, Gaussian, user density);
* :mod:`.survey` -- predicted and measured exponents nu, xi of an activation on a data law;
* :mod:`.spectra` -- spectra of the NTK integral operator: Funk-Hecke on the sphere, the radial
  operator on the ball, Gram/Nystrom eigenpairs, target tail sums, spectrum exponent fits;
* :mod:`.asymptotics` -- loss curves of gradient flow / GD from a spectrum, the exponents
  ``nu, kappa, xi``, Theorem A's constant and the boundary constants;
* :mod:`.problems` -- the chapter's ready-made problems (1-D grid, sphere cap, ball indicator);
* :mod:`.finite_width` -- the finite-width network trained by full-batch GD and its empirical NTK.
"""
from .activations import (ACTIVATIONS, Activation, activation, arccos_J_general, arccos_polynomials,
                          kernel_alpha, leaky_relu, relu_power)
from .dual import METHODS, N_HERMITE_MAX, dual_kernel, hermite_coefficients
from .gram import ThetaTable, activation_gram
from .population import DENSITIES, RadialDensity, RadialSpectrum, radial_density, radial_spectrum, sphere_spectrum
from .survey import DATA, ExponentMeasurement, local_exponent, measure_exponents, predicted_exponents
from .asymptotics import (ALPHA, boundary_constant_1d, boundary_constant_ball, boundary_constant_sphere, c_d,
                          fit_loss_exponent, kappa_exponent, loss_gd, loss_gradient_flow, nu_exponent, relu_symbol,
                          theorem_constant, xi_exponent)
from .finite_width import empirical_ntk, init_antisymmetric, network_output, train_gd, train_gd_numpy
from .kernels import PARTS, arccos_J, atan2_upper, check_activation, ntk_1d, ntk_gram
from .problems import ball_problem, gram_problem_1d, sphere_problem
from .._blas import BLAS_THREADS_ENV
from .spectra import (ball_radial_operator, cap_energies, composite_gauss_legendre,
                      fit_spectrum_exponent, gegenbauer_normalized, gram_eigen, grid_1d, sphere_cap_measure,
                      sphere_index_expand, sphere_multiplicity, sphere_ntk_spectrum, tail_sums)

__all__ = [
    # any activation
    "Activation", "activation", "relu_power", "leaky_relu", "ACTIVATIONS", "arccos_polynomials",
    "arccos_J_general", "kernel_alpha", "dual_kernel", "activation_gram", "ThetaTable",
    "hermite_coefficients", "METHODS", "N_HERMITE_MAX", "sphere_spectrum", "radial_spectrum", "radial_density",
    "RadialDensity", "RadialSpectrum", "DENSITIES",
    # the activation-by-data table
    "predicted_exponents", "measure_exponents", "local_exponent", "ExponentMeasurement", "DATA",
    # kernels
    "ntk_gram", "ntk_1d", "arccos_J", "atan2_upper", "check_activation", "PARTS",
    # spectra
    "sphere_ntk_spectrum", "ball_radial_operator", "gram_eigen", "cap_energies", "sphere_cap_measure",
    "sphere_multiplicity", "sphere_index_expand", "gegenbauer_normalized", "composite_gauss_legendre", "grid_1d",
    "tail_sums", "fit_spectrum_exponent", "BLAS_THREADS_ENV",
    # loss asymptotics and constants
    "loss_gradient_flow", "loss_gd", "theorem_constant", "nu_exponent", "kappa_exponent", "xi_exponent", "ALPHA",
    "fit_loss_exponent", "c_d", "relu_symbol", "boundary_constant_1d", "boundary_constant_ball",
    "boundary_constant_sphere",
    # ready-made problems
    "gram_problem_1d", "sphere_problem", "ball_problem",
    # finite-width network
    "init_antisymmetric", "network_output", "empirical_ntk", "train_gd", "train_gd_numpy",
]
