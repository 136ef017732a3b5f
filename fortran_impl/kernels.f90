! kernels.f90 -- the kernels under backprop.f90's algorithm: the matrix products (BLAS dgemm
! or the reference loops, with their batch-1 paths), the bias and row sums, and the batch
! gather. backprop.f90 (module trainer) reads like pure.py and vectorized.py; the loop
! tuning that keeps per-sample training fast lives here. Not wrapped by f2py.
!
! The text is kernels.inc, written once for a working precision `wp`; this module compiles it
! in double precision, kernels32.f90 (module kernels32, under trainer32) in single, where
! the products call sgemm. Every matrix is packed, column-major (its leading dimension is
! its row count); samples are columns, as in backprop.f90. The products are summed in a
! fixed order (see each loop), and -ffp-contract=off keeps gfortran from fusing their
! multiply-adds; BLAS (the "blas" path, and "auto" from BLAS_MIN_WORK multiply-adds up) is
! OpenBLAS's, which uses fused multiply-adds where the CPU has them.
module kernels
  use blas_shim, only: bp_blas_linked, bp_gemm => bp_dgemm
  implicit none
  private
  public :: gemm, add_bias, copy_to, row_sums, gather
  public :: blas_linked, PATH_AUTO, PATH_LOOPS, PATH_BLAS

  ! The working precision: double (kernels32.f90 compiles the same text in single).
  integer, parameter :: wp = kind(1d0)

  include 'kernels.inc'

end module kernels
