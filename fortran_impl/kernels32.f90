! kernels32.f90 -- kernels.inc, the kernels of kernels.f90, compiled in single precision
! (module kernels32, used by trainer32 in backprop32.f90): the products call BLAS sgemm.
module kernels32
  use blas_shim, only: bp_blas_linked, bp_gemm => bp_sgemm
  implicit none
  private
  public :: gemm, add_bias, copy_to, row_sums, gather
  public :: blas_linked, PATH_AUTO, PATH_LOOPS, PATH_BLAS

  ! The working precision: single (kernels.f90 compiles the same text in double).
  integer, parameter :: wp = kind(1.0)

  include 'kernels.inc'

end module kernels32
