! backprop32.f90 -- the Fortran trainer in single precision: trainer.inc, the body of module
! trainer (backprop.f90, where the algorithm and its conventions are described), compiled
! with the working precision wp = single; its matrix products are kernels32's (BLAS sgemm
! or the reference loops in single). f2py wraps it as fortran_impl._backprop32.
module trainer32
  use kernels32, only: gemm, add_bias, copy_to, row_sums, gather, blas_linked, &
                       PATH_AUTO, PATH_LOOPS, PATH_BLAS
  implicit none
  private
  public :: forward, mean_loss, loss_and_gradients, train, epoch_orders
  public :: set_matmul_path, get_matmul_path, blas_available

  ! The working precision: single (backprop.f90 includes the same text in double).
  integer, parameter :: wp = kind(1.0)

  include 'trainer.inc'

end module trainer32
