! gemm_openblas.f90 -- the BLAS shim of kernels.inc for a build that links OpenBLAS.
! meson compiles this file or gemm_none.f90 (option -Dblas); kernels.inc calls these three
! procedures only, through an explicit interface, so the module is the same in both builds.
! They are pure (blas_shim.f90), and so is BLAS's dgemm / sgemm as declared here: it writes c
! and nothing else that a caller can see (OpenBLAS's own buffers and threads are its business).

pure logical function bp_blas_linked()
  ! True: this build links BLAS: bp_dgemm and bp_sgemm call its dgemm and sgemm.
  implicit none
  bp_blas_linked = .true.
end function bp_blas_linked

pure subroutine bp_dgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
  ! c(1:m, 1:n) = op(a) op(b) by BLAS dgemm (alpha 1, beta 0); arguments as dgemm's.
  implicit none
  character, intent(in) :: trans_a              ! 'N' or 'T': op(a) = a or a^T
  character, intent(in) :: trans_b              ! 'N' or 'T': op(b) = b or b^T
  integer, intent(in) :: m                      ! rows of c
  integer, intent(in) :: n                      ! columns of c
  integer, intent(in) :: k                      ! inner dimension
  integer, intent(in) :: lda                    ! leading dimension of a
  double precision, intent(in) :: a(lda, *)     ! left factor
  integer, intent(in) :: ldb                    ! leading dimension of b
  double precision, intent(in) :: b(ldb, *)     ! right factor
  integer, intent(in) :: ldc                    ! leading dimension of c
  double precision, intent(inout) :: c(ldc, *)  ! out: the product
  interface
    pure subroutine dgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
      ! BLAS dgemm: c = alpha op(a) op(b) + beta c
      character, intent(in) :: transa, transb      ! 'N' or 'T'
      integer, intent(in) :: m, n, k               ! rows of c, columns of c, inner dimension
      double precision, intent(in) :: alpha, beta  ! scale factors
      integer, intent(in) :: lda, ldb, ldc         ! leading dimensions
      double precision, intent(in) :: a(lda, *)    ! left factor
      double precision, intent(in) :: b(ldb, *)    ! right factor
      double precision, intent(inout) :: c(ldc, *) ! the product
    end subroutine dgemm
  end interface
  call dgemm(trans_a, trans_b, m, n, k, 1d0, a, lda, b, ldb, 0d0, c, ldc)
end subroutine bp_dgemm

pure subroutine bp_sgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
  ! c(1:m, 1:n) = op(a) op(b) by BLAS sgemm (alpha 1, beta 0); arguments as sgemm's.
  implicit none
  character, intent(in) :: trans_a              ! 'N' or 'T': op(a) = a or a^T
  character, intent(in) :: trans_b              ! 'N' or 'T': op(b) = b or b^T
  integer, intent(in) :: m                      ! rows of c
  integer, intent(in) :: n                      ! columns of c
  integer, intent(in) :: k                      ! inner dimension
  integer, intent(in) :: lda                    ! leading dimension of a
  real, intent(in) :: a(lda, *)                 ! left factor
  integer, intent(in) :: ldb                    ! leading dimension of b
  real, intent(in) :: b(ldb, *)                 ! right factor
  integer, intent(in) :: ldc                    ! leading dimension of c
  real, intent(inout) :: c(ldc, *)              ! out: the product
  interface
    pure subroutine sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
      ! BLAS sgemm: c = alpha op(a) op(b) + beta c
      character, intent(in) :: transa, transb      ! 'N' or 'T'
      integer, intent(in) :: m, n, k               ! rows of c, columns of c, inner dimension
      real, intent(in) :: alpha, beta              ! scale factors
      integer, intent(in) :: lda, ldb, ldc         ! leading dimensions
      real, intent(in) :: a(lda, *)                ! left factor
      real, intent(in) :: b(ldb, *)                ! right factor
      real, intent(inout) :: c(ldc, *)             ! the product
    end subroutine sgemm
  end interface
  call sgemm(trans_a, trans_b, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc)
end subroutine bp_sgemm
