! kernels.f90 -- the kernels under backprop.f90's algorithm: the matrix products (BLAS dgemm
! or the reference loops, with their batch-1 paths), the bias and row sums, and the batch
! gather. backprop.f90 (module trainer) reads like pure.py and vectorized.py; the loop
! tuning that keeps per-sample training fast lives here. Not wrapped by f2py.
!
! Every matrix is packed, column-major (its leading dimension is its row count); samples are
! columns, as in backprop.f90. The products are summed in a fixed order (see each loop), and
! -ffp-contract=off keeps gfortran from fusing their multiply-adds; BLAS dgemm (the "blas"
! path, and "auto" from BLAS_MIN_WORK multiply-adds up) is OpenBLAS's, which uses fused
! multiply-adds where the CPU has them.
module kernels
  implicit none
  private
  public :: gemm, add_bias, copy_to, row_sums, gather
  public :: matmul_path, blas_linked, PATH_AUTO, PATH_LOOPS, PATH_BLAS

  ! Matrix-product paths: 0 auto (dgemm for products of at least BLAS_MIN_WORK multiply-adds
  ! when BLAS is linked, loops below), 1 reference loops always, 2 dgemm always.
  ! BLAS_MIN_WORK was measured (training w-w-w networks, batch 1 to 64, OpenBLAS 0.3.21):
  ! the loops won up to m n k = 256 (e.g. width 16, batch 1: 1.44 vs 1.61 us per sample),
  ! dgemm from 576 on (width 24, batch 1: 2.86 vs 2.91; width 8, batch 64: 0.17 vs 0.31).
  integer, parameter :: PATH_AUTO = 0, PATH_LOOPS = 1, PATH_BLAS = 2
  double precision, parameter :: BLAS_MIN_WORK = 512d0   ! also in network.py
  integer, save :: matmul_path = PATH_AUTO

  ! The BLAS shim: gemm_openblas.f90 (dgemm) or gemm_none.f90 (no BLAS), chosen by meson.
  interface
    function bp_blas_linked() result(linked)
      ! True when this build links BLAS dgemm.
      logical :: linked                            ! BLAS is linked
    end function bp_blas_linked

    subroutine bp_dgemm(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc)
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
  end interface

contains

  function blas_linked() result(linked)
    ! True when this build links BLAS dgemm (meson option -Dblas).
    logical :: linked                            ! BLAS is linked
    linked = bp_blas_linked()
  end function blas_linked

  subroutine gemm(trans_a, trans_b, m, n, k, a, b, c)
    ! c (m x n) = op(a) op(b) for ('T','N'), ('N','N') or ('N','T'), as BLAS dgemm's op(.);
    ! every matrix is packed (its leading dimension is its row count).
    character, intent(in) :: trans_a            ! 'N': op(a) = a, a is m x k; 'T': a is k x m
    character, intent(in) :: trans_b            ! 'N': op(b) = b, b is k x n; 'T': b is n x k
    integer, intent(in) :: m                    ! rows of c
    integer, intent(in) :: n                    ! columns of c
    integer, intent(in) :: k                    ! inner dimension
    double precision, intent(in) :: a(*)        ! left factor
    double precision, intent(in) :: b(*)        ! right factor
    double precision, intent(inout) :: c(*)     ! out: the product
    if (matmul_path == PATH_BLAS .or. (matmul_path == PATH_AUTO .and. &
        dble(m) * dble(n) * dble(k) >= BLAS_MIN_WORK)) then
      if (blas_linked()) then
        if (trans_a == 'T') then
          call bp_dgemm(trans_a, trans_b, m, n, k, a, k, b, k, c, m)
        else if (trans_b == 'N') then
          call bp_dgemm(trans_a, trans_b, m, n, k, a, m, b, k, c, m)
        else
          call bp_dgemm(trans_a, trans_b, m, n, k, a, m, b, n, c, m)
        end if
        return
      end if
    end if
    if (trans_a == 'T') then
      call loops_tn(m, n, k, a, b, c)
    else if (trans_b == 'N') then
      call loops_nn(m, n, k, a, b, c)
    else
      call loops_nt(m, n, k, a, b, c)
    end if
  end subroutine gemm

  pure subroutine loops_tn(m, n, k, a, b, c)
    ! The reference product c = a^T b: c(i, j) = sum_p a(p, i) b(p, j), a dot product of
    ! two contiguous columns, summed in order p = 1 .. k. Four dot products (rows i .. i+3 of
    ! c) are formed side by side, each still summed in that order: the four sums hide each
    ! other's add latency and share the loads of b and the loop control, which dominate
    ! when k is a handful (a 4-16-3 network's first layer has k = 4).
    integer, intent(in) :: m                    ! rows of c
    integer, intent(in) :: n                    ! columns of c
    integer, intent(in) :: k                    ! inner dimension
    double precision, intent(in) :: a(k, m)     ! left factor (transposed)
    double precision, intent(in) :: b(k, n)     ! right factor
    double precision, intent(out) :: c(m, n)    ! product
    integer :: i, j, p, m4
    double precision :: s, s1, s2, s3, s4, t
    m4 = iand(m, not(3))    ! m rounded down to a multiple of 4 (m >= 0: cheaper than
                            ! m - mod(m, 4), whose handling of a sign GCC cannot drop)
    if (n == 1) then
      ! one sample (batch 1): the same sums with no loop over the columns of c to set up;
      ! the loop over p stays scalar (novector): for a handful of terms (k = 4) a vector
      ! loop cost more to set up than it saved
      do i = 1, m4, 4
        t = b(1, 1)
        s1 = a(1, i) * t
        s2 = a(1, i + 1) * t
        s3 = a(1, i + 2) * t
        s4 = a(1, i + 3) * t
        !GCC$ novector
        do p = 2, k
          t = b(p, 1)
          s1 = s1 + a(p, i) * t
          s2 = s2 + a(p, i + 1) * t
          s3 = s3 + a(p, i + 2) * t
          s4 = s4 + a(p, i + 3) * t
        end do
        c(i, 1) = s1
        c(i + 1, 1) = s2
        c(i + 2, 1) = s3
        c(i + 3, 1) = s4
      end do
      do i = m4 + 1, m
        s = a(1, i) * b(1, 1)
        do p = 2, k
          s = s + a(p, i) * b(p, 1)
        end do
        c(i, 1) = s
      end do
      return
    end if
    do j = 1, n
      do i = 1, m4, 4
        t = b(1, j)
        s1 = a(1, i) * t
        s2 = a(1, i + 1) * t
        s3 = a(1, i + 2) * t
        s4 = a(1, i + 3) * t
        do p = 2, k
          t = b(p, j)
          s1 = s1 + a(p, i) * t
          s2 = s2 + a(p, i + 1) * t
          s3 = s3 + a(p, i + 2) * t
          s4 = s4 + a(p, i + 3) * t
        end do
        c(i, j) = s1
        c(i + 1, j) = s2
        c(i + 2, j) = s3
        c(i + 3, j) = s4
      end do
      do i = m4 + 1, m
        s = a(1, i) * b(1, j)
        do p = 2, k
          s = s + a(p, i) * b(p, j)
        end do
        c(i, j) = s
      end do
    end do
  end subroutine loops_tn

  pure subroutine loops_nn(m, n, k, a, b, c)
    ! The reference product c = a b: column j of c is sum_p a(:, p) b(p, j), added in order.
    integer, intent(in) :: m                    ! rows of c
    integer, intent(in) :: n                    ! columns of c
    integer, intent(in) :: k                    ! inner dimension
    double precision, intent(in) :: a(m, k)     ! left factor
    double precision, intent(in) :: b(k, n)     ! right factor
    double precision, intent(out) :: c(m, n)    ! product
    integer :: i, j, p, m4
    double precision :: s1, s2, s3, s4, t
    if (n == 1) then
      ! one sample (batch 1): rows i .. i+3 of c summed in registers over p, in order, instead
      ! of a vector loop down the column of c set up again for each p (k is a handful: 3 for
      ! the 16-3 layer of a 4-16-3 network); the loop over p stays scalar (novector)
      m4 = iand(m, not(3))  ! m rounded down to a multiple of 4
      do i = 1, m4, 4
        t = b(1, 1)
        s1 = a(i, 1) * t
        s2 = a(i + 1, 1) * t
        s3 = a(i + 2, 1) * t
        s4 = a(i + 3, 1) * t
        !GCC$ novector
        do p = 2, k
          t = b(p, 1)
          s1 = s1 + a(i, p) * t
          s2 = s2 + a(i + 1, p) * t
          s3 = s3 + a(i + 2, p) * t
          s4 = s4 + a(i + 3, p) * t
        end do
        c(i, 1) = s1
        c(i + 1, 1) = s2
        c(i + 2, 1) = s3
        c(i + 3, 1) = s4
      end do
      do i = m4 + 1, m
        s1 = a(i, 1) * b(1, 1)
        do p = 2, k
          s1 = s1 + a(i, p) * b(p, 1)
        end do
        c(i, 1) = s1
      end do
      return
    end if
    do j = 1, n
      t = b(1, j)
      do i = 1, m
        c(i, j) = a(i, 1) * t
      end do
      do p = 2, k
        t = b(p, j)
        do i = 1, m
          c(i, j) = c(i, j) + a(i, p) * t
        end do
      end do
    end do
  end subroutine loops_nn

  pure subroutine loops_nt(m, n, k, a, b, c)
    ! The reference product c = a b^T: column j of c is sum_p a(:, p) b(j, p), added in order.
    integer, intent(in) :: m                    ! rows of c
    integer, intent(in) :: n                    ! columns of c
    integer, intent(in) :: k                    ! inner dimension
    double precision, intent(in) :: a(m, k)     ! left factor
    double precision, intent(in) :: b(n, k)     ! right factor (transposed)
    double precision, intent(out) :: c(m, n)    ! product
    integer :: i, j, p, m4
    double precision :: a1, a2, a3, a4, t
    if (k == 1) then
      ! one sample (a gradient of batch 1): the outer product c(i, j) = a(i, 1) b(j, 1),
      ! four rows at a time held in registers across the columns j, instead of a vector loop
      ! set up for each column's few entries; the rows left over walk along a row of c
      ! (strided: novector)
      m4 = iand(m, not(3))  ! m rounded down to a multiple of 4
      do i = 1, m4, 4
        a1 = a(i, 1)
        a2 = a(i + 1, 1)
        a3 = a(i + 2, 1)
        a4 = a(i + 3, 1)
        do j = 1, n
          t = b(j, 1)
          c(i, j) = a1 * t
          c(i + 1, j) = a2 * t
          c(i + 2, j) = a3 * t
          c(i + 3, j) = a4 * t
        end do
      end do
      do i = m4 + 1, m
        t = a(i, 1)
        !GCC$ novector
        do j = 1, n
          c(i, j) = t * b(j, 1)
        end do
      end do
      return
    end if
    do j = 1, n
      t = b(j, 1)
      do i = 1, m
        c(i, j) = a(i, 1) * t
      end do
      do p = 2, k
        t = b(j, p)
        do i = 1, m
          c(i, j) = c(i, j) + a(i, p) * t
        end do
      end do
    end do
  end subroutine loops_nt

  pure subroutine add_bias(n, bs, b, z)
    ! z(:, s) = z(:, s) + b for each of the bs columns (samples) of z.
    integer, intent(in) :: n                     ! rows (units of the layer)
    integer, intent(in) :: bs                    ! columns (samples)
    double precision, intent(in) :: b(n)         ! bias
    double precision, intent(inout) :: z(n, bs)  ! weighted inputs
    integer :: i, s
    if (bs == 1) then
      ! one sample: a single column (no loop over samples to set up)
      do i = 1, n
        z(i, 1) = z(i, 1) + b(i)
      end do
      return
    end if
    do s = 1, bs
      z(:, s) = z(:, s) + b
    end do
  end subroutine add_bias

  pure subroutine copy_to(n, source, dest)
    ! dest = source for n entries.
    integer, intent(in) :: n                     ! entries
    double precision, intent(in) :: source(n)    ! values to copy
    double precision, intent(inout) :: dest(n)   ! destination
    dest = source
  end subroutine copy_to

  pure subroutine row_sums(m, n, delta, total)
    ! total(i) = sum over the n columns of delta(i, :).
    integer, intent(in) :: m                     ! rows
    integer, intent(in) :: n                     ! columns (samples)
    double precision, intent(in) :: delta(m, n)  ! matrix to sum
    double precision, intent(out) :: total(m)    ! sums along rows
    integer :: i, s
    if (n == 1) then
      ! one sample: the sums are the column itself (a plain loop, not a call to memcpy)
      do i = 1, m
        total(i) = delta(i, 1)
      end do
      return
    end if
    total = delta(:, 1)
    do s = 2, n
      total = total + delta(:, s)
    end do
  end subroutine row_sums

  pure subroutine gather(m, n_samples, x, bs, indices, xb)
    ! xb(:, k) = x(:, indices(k) + 1) for k = 1 .. bs: a batch's columns, from 0-based indices.
    integer, intent(in) :: m                           ! rows (entries per sample)
    integer, intent(in) :: n_samples                   ! columns of x
    double precision, intent(in) :: x(m, n_samples)    ! all samples, one column each
    integer, intent(in) :: bs                          ! samples in the batch
    integer, intent(in) :: indices(bs)                 ! 0-based sample indices
    double precision, intent(out) :: xb(m, bs)         ! the batch, one column per sample
    integer :: k
    do k = 1, bs
      xb(:, k) = x(:, indices(k) + 1)
    end do
  end subroutine gather

end module kernels
