! backprop.f90 -- a multilayer perceptron trained by backpropagation, in Fortran 95.
!
! The third of the suite's three implementations of one algorithm (docs/contract.md,
! python_impl/spec.py): forward pass, loss, exact gradient, and the whole mini-batch
! training loop (epochs x batches, momentum, l2, per-epoch history), so that one `train`
! call from Python crosses into Fortran once. Built by f2py (see meson.build); the Python
! face is fortran_impl.Network, which validates everything before calling in. Each routine
! here checks the sizes it is given again and returns an error code `info` instead of
! reading out of bounds.
!
! Conventions (the code differs from the equations here; see the comments at each use):
!  - Samples are COLUMNS: x(n_in, n_samples), a_l(n_l, batch). The equations' rows are
!    samples (z = a W + b); here z_l = W_l^T a_{l-1} + b_l, one column per sample, so that
!    a sample is contiguous and a NumPy C-ordered (n_samples, n_in) array is passed as its
!    transpose without a copy.
!  - params: one flat vector, layer by layer: W_l (n_{l-1} x n_l, column-major: W(i,j) is
!    params(p + i + (j-1)*n_{l-1}), p the entries of the layers before) then b_l (n_l
!    entries). The routines walk it with a running offset, layer by layer, as they walk the
!    per-layer work arrays (z_l, a_l, delta_l, n_l x bs each, one after another).
!  - orders(n_samples, epochs): column e is epoch e's order, 0-BASED sample indices (as in
!    Python: the array is passed unchanged), each in [0, n_samples).
!  - Activation and loss codes are the positions in python_impl.spec's tuples:
!    hidden 0 sigmoid, 1 tanh, 2 relu, 3 linear; output 0 sigmoid, 1 softmax, 2 linear;
!    loss 0 mse, 1 cross_entropy.
!  - The kernels (module kernels, kernels.f90) do the inner work: `gemm`, BLAS dgemm when
!    the build links it (the meson option -Dblas) and the path allows it, plain loops
!    otherwise (the reference); add_bias, row_sums, gather. This file is the algorithm.
!  - The algorithm is pure and written against a `layout` (trainer.inc): the codes, the
!    matrix-product path and where the work arrays lie, beside the layer sizes. Only the
!    entry points, which build the layout, read the module's one variable (the path that
!    set_matmul_path selects).
!  - Error codes (info): the ERR_* constants of trainer.inc, numbered there only:
!    fortran_impl/network.py reads them from it and maps each name to a Python exception.
!  - One text, two precisions: the module's body is trainer.inc, written once for a working
!    precision `wp` (every real of the algorithm is real(kind=wp), every constant 1.0_wp).
!    This module sets wp to double precision; backprop32.f90 (module trainer32, over
!    kernels32 and sgemm) includes the same text with wp single. f2py maps the kind `wp`
!    through an f2cmap file per extension (wp_double.f2cmap, wp_single.f2cmap; see meson.build).
module trainer
  use kernels, only: gemm, add_bias, copy_to, row_sums, gather, blas_linked, &
                     PATH_AUTO, PATH_LOOPS, PATH_BLAS
  implicit none
  private
  public :: forward, mean_loss, loss_and_gradients, train, epoch_orders
  public :: set_matmul_path, get_matmul_path, blas_available

  ! The working precision: double (backprop32.f90 includes the same text in single).
  integer, parameter :: wp = kind(1d0)

  include 'trainer.inc'

end module trainer

