! gemm_none.f90 -- the BLAS shim of kernels.inc for a build without BLAS (-Dblas=none, or
! -Dblas=auto when meson finds no OpenBLAS). bp_blas_linked is false, so kernels.inc never
! calls bp_dgemm or bp_sgemm and uses its own reference loops; they exist only so that the module
! links, and should one be called anyway it still returns the right product (matmul).

pure logical function bp_blas_linked()
  ! False: this build has no BLAS.
  implicit none
  bp_blas_linked = .false.
end function bp_blas_linked

pure subroutine bp_dgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
  ! c(1:m, 1:n) = op(a) op(b) by the matmul intrinsic; arguments as BLAS dgemm's.
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
  if (trans_a == 'T' .and. trans_b == 'T') then
    c(1:m, 1:n) = matmul(transpose(a(1:k, 1:m)), transpose(b(1:n, 1:k)))
  else if (trans_a == 'T') then
    c(1:m, 1:n) = matmul(transpose(a(1:k, 1:m)), b(1:k, 1:n))
  else if (trans_b == 'T') then
    c(1:m, 1:n) = matmul(a(1:m, 1:k), transpose(b(1:n, 1:k)))
  else
    c(1:m, 1:n) = matmul(a(1:m, 1:k), b(1:k, 1:n))
  end if
end subroutine bp_dgemm

pure subroutine bp_sgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
  ! c(1:m, 1:n) = op(a) op(b) by the matmul intrinsic; arguments as BLAS sgemm's.
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
  if (trans_a == 'T' .and. trans_b == 'T') then
    c(1:m, 1:n) = matmul(transpose(a(1:k, 1:m)), transpose(b(1:n, 1:k)))
  else if (trans_a == 'T') then
    c(1:m, 1:n) = matmul(transpose(a(1:k, 1:m)), b(1:k, 1:n))
  else if (trans_b == 'T') then
    c(1:m, 1:n) = matmul(a(1:m, 1:k), transpose(b(1:n, 1:k)))
  else
    c(1:m, 1:n) = matmul(a(1:m, 1:k), b(1:k, 1:n))
  end if
end subroutine bp_sgemm
