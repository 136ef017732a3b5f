! blas_shim.f90 -- the explicit interfaces of the BLAS shim (gemm_openblas.f90 or
! gemm_none.f90, chosen by meson): whether BLAS is linked, and its dgemm and sgemm with
! alpha 1 and beta 0. kernels.f90 uses bp_dgemm and kernels32.f90 bp_sgemm, each renamed to
! bp_gemm, the name in their shared text kernels.inc. All three are pure, so that the kernels
! and the algorithm above them can be: BLAS's dgemm and sgemm write c and nothing else.
module blas_shim
  implicit none
  private
  public :: bp_blas_linked, bp_dgemm, bp_sgemm

  interface
    pure function bp_blas_linked() result(linked)
      ! True when this build links BLAS (dgemm and sgemm).
      logical :: linked                            ! BLAS is linked
    end function bp_blas_linked

    pure subroutine bp_dgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
      ! c(1:m, 1:n) = op(a) op(b), as BLAS dgemm with alpha 1 and beta 0.
      character, intent(in) :: trans_a             ! 'N' or 'T': op(a) = a or a^T
      character, intent(in) :: trans_b             ! 'N' or 'T': op(b) = b or b^T
      integer, intent(in) :: m                     ! rows of c
      integer, intent(in) :: n                     ! columns of c
      integer, intent(in) :: k                     ! inner dimension
      integer, intent(in) :: lda                   ! leading dimension of a
      double precision, intent(in) :: a(lda, *)    ! left factor
      integer, intent(in) :: ldb                   ! leading dimension of b
      double precision, intent(in) :: b(ldb, *)    ! right factor
      integer, intent(in) :: ldc                   ! leading dimension of c
      double precision, intent(inout) :: c(ldc, *) ! out: the product
    end subroutine bp_dgemm

    pure subroutine bp_sgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
      ! c(1:m, 1:n) = op(a) op(b), as BLAS sgemm with alpha 1 and beta 0.
      character, intent(in) :: trans_a             ! 'N' or 'T': op(a) = a or a^T
      character, intent(in) :: trans_b             ! 'N' or 'T': op(b) = b or b^T
      integer, intent(in) :: m                     ! rows of c
      integer, intent(in) :: n                     ! columns of c
      integer, intent(in) :: k                     ! inner dimension
      integer, intent(in) :: lda                   ! leading dimension of a
      real, intent(in) :: a(lda, *)                ! left factor
      integer, intent(in) :: ldb                   ! leading dimension of b
      real, intent(in) :: b(ldb, *)                ! right factor
      integer, intent(in) :: ldc                   ! leading dimension of c
      real, intent(inout) :: c(ldc, *)             ! out: the product
    end subroutine bp_sgemm
  end interface

end module blas_shim
