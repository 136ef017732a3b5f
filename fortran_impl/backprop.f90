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
!    params(p_off(l) + i + (j-1)*n_{l-1})) then b_l (n_l entries).
!  - orders(n_samples, epochs): column e is epoch e's order, 0-BASED sample indices (as in
!    Python: the array is passed unchanged), each in [0, n_samples).
!  - Activation and loss codes are the positions in python_impl.spec's tuples:
!    hidden 0 sigmoid, 1 tanh, 2 relu, 3 linear; output 0 sigmoid, 1 softmax, 2 linear;
!    loss 0 mse, 1 cross_entropy.
!  - The kernels (module kernels, kernels.f90) do the inner work: `gemm`, BLAS dgemm when
!    the build links it (the meson option -Dblas) and the product is large enough, plain
!    loops otherwise (the reference); add_bias, row_sums, gather. This file is the algorithm.
!  - Error codes (info): see the ERR_* constants below; fortran_impl/network.py maps them
!    to Python exceptions.
module trainer
  use kernels, only: gemm, add_bias, copy_to, row_sums, gather, matmul_path, blas_linked, &
                     PATH_AUTO, PATH_LOOPS, PATH_BLAS
  implicit none
  private
  public :: forward, mean_loss, loss_and_gradients, train
  public :: set_matmul_path, get_matmul_path, blas_available

  ! Error codes returned in `info` (0: success).
  integer, parameter :: OK = 0
  integer, parameter :: ERR_LAYERS = 1      ! n_layers < 1 or a layer size < 1
  integer, parameter :: ERR_N_PARAMS = 2    ! n_params differs from what layer_sizes implies
  integer, parameter :: ERR_N_IN = 3        ! n_in (rows of x) differs from layer_sizes(1)
  integer, parameter :: ERR_N_OUT = 4       ! n_out (rows of y / a_out) differs from the last size
  integer, parameter :: ERR_N_SAMPLES = 5   ! n_samples < 1
  integer, parameter :: ERR_CODE = 6        ! unknown activation / loss code, or bad pairing
  integer, parameter :: ERR_BATCH = 7       ! batch_size < 1
  integer, parameter :: ERR_EPOCHS = 8      ! epochs < 1
  integer, parameter :: ERR_ORDERS = 9      ! an order index outside [0, n_samples)
  integer, parameter :: ERR_RATE = 10       ! learning_rate < 0, momentum not in [0, 1), l2 < 0
  integer, parameter :: ERR_ALLOC = 11      ! work arrays too large or not allocated
  integer, parameter :: ERR_NONFINITE = 12  ! training: an epoch's loss is not finite
  integer, parameter :: ERR_PATH = 13       ! unknown matrix-product path, or no BLAS linked

  ! Internal activation codes (the hidden codes, plus softmax for the output layer).
  integer, parameter :: ACT_SIGMOID = 0, ACT_TANH = 1, ACT_RELU = 2, ACT_LINEAR = 3
  integer, parameter :: ACT_SOFTMAX = 4
  integer, parameter :: LOSS_MSE = 0, LOSS_CROSS_ENTROPY = 1

  ! Samples per block when forward / mean_loss / loss_and_gradients walk a whole data set,
  ! so that work arrays stay small for any n_samples.
  integer, parameter :: CHUNK = 256

contains

  ! ---------------------------------------------------------------------------------------
  ! The algorithm: the same helpers, in the same order, as python_impl/pure.py and
  ! python_impl/vectorized.py.
  ! ---------------------------------------------------------------------------------------

  pure subroutine activate(n, z, a, code)
    ! a = f(z) elementwise for n entries; code: ACT_SIGMOID, ACT_TANH, ACT_RELU, ACT_LINEAR.
    integer, intent(in) :: n                  ! number of entries
    double precision, intent(in) :: z(n)      ! weighted inputs
    double precision, intent(out) :: a(n)     ! activations f(z)
    integer, intent(in) :: code               ! activation code (not softmax)
    integer :: i
    double precision :: e
    select case (code)
    case (ACT_SIGMOID)
      ! stable for any finite z: exp is only taken of a non-positive number
      do i = 1, n
        if (z(i) >= 0d0) then
          a(i) = 1d0 / (1d0 + exp(-z(i)))
        else
          e = exp(z(i))
          a(i) = e / (1d0 + e)
        end if
      end do
    case (ACT_TANH)
      a = tanh(z)
    case (ACT_RELU)
      ! merge, not if: branch-free (the signs of z are unpredictable), so it vectorizes
      do i = 1, n
        a(i) = merge(z(i), 0d0, z(i) > 0d0)
      end do
    case default
      a = z
    end select
  end subroutine activate

  pure subroutine activate_prime(n, z, a, code, delta)
    ! delta = delta * f'(z) elementwise for n entries (f' from z or a = f(z)); hidden codes.
    integer, intent(in) :: n                      ! number of entries
    double precision, intent(in) :: z(n)          ! weighted inputs
    double precision, intent(in) :: a(n)          ! activations f(z)
    integer, intent(in) :: code                   ! activation code
    double precision, intent(inout) :: delta(n)   ! scaled in place by f'(z)
    integer :: i
    select case (code)
    case (ACT_SIGMOID)
      delta = delta * (a * (1d0 - a))
    case (ACT_TANH)
      delta = delta * (1d0 - a * a)
    case (ACT_RELU)
      ! derivative 1 at z > 0, 0 at z <= 0 (branch-free, as in activate)
      do i = 1, n
        delta(i) = merge(delta(i), 0d0, z(i) > 0d0)
      end do
    case default
      continue
    end select
  end subroutine activate_prime

  pure subroutine softmax(m, n, z, a)
    ! a(:, s) = softmax(z(:, s)) for each of the n columns (samples), shifted by the max.
    integer, intent(in) :: m                    ! outputs per sample
    integer, intent(in) :: n                    ! samples (columns)
    double precision, intent(in) :: z(m, n)     ! weighted inputs of the output layer
    double precision, intent(out) :: a(m, n)    ! softmax activations
    integer :: s
    do s = 1, n
      a(:, s) = exp(z(:, s) - maxval(z(:, s)))
      a(:, s) = a(:, s) / sum(a(:, s))
    end do
  end subroutine softmax

  pure function loss_sum(m, n, z, a, y, output, loss) result(total)
    ! Sum over the n columns (samples) of the per-sample loss; z, a, y are m x n.
    integer, intent(in) :: m                    ! outputs per sample
    integer, intent(in) :: n                    ! samples (columns)
    double precision, intent(in) :: z(m, n)     ! output-layer weighted inputs
    double precision, intent(in) :: a(m, n)     ! output-layer activations
    double precision, intent(in) :: y(m, n)     ! targets
    integer, intent(in) :: output               ! internal output activation code
    integer, intent(in) :: loss                 ! loss code
    double precision :: total                   ! sum of per-sample losses
    integer :: s, k
    double precision :: zmax, log_norm
    total = 0d0
    if (loss == LOSS_MSE) then
      ! 1/2 sum_k (a_k - y_k)^2
      do s = 1, n
        do k = 1, m
          total = total + 0.5d0 * (a(k, s) - y(k, s))**2
        end do
      end do
    else if (output == ACT_SOFTMAX) then
      ! -sum_k y_k (z_k - max(z) - log(sum_j exp(z_j - max(z))))
      do s = 1, n
        zmax = maxval(z(:, s))
        log_norm = log(sum(exp(z(:, s) - zmax)))
        do k = 1, m
          total = total - y(k, s) * (z(k, s) - zmax - log_norm)
        end do
      end do
    else
      ! sigmoid: sum_k y_k softplus(-z_k) + (1 - y_k) softplus(z_k)
      do s = 1, n
        do k = 1, m
          total = total + y(k, s) * softplus(-z(k, s)) + (1d0 - y(k, s)) * softplus(z(k, s))
        end do
      end do
    end if
  end function loss_sum

  subroutine feedforward(n_layers, sizes, p_off, a_off, params, bs, x, zs, act, hidden, output)
    ! Forward pass of bs samples, keeping every z_l and a_l (layers 1..L) for backprop.
    integer, intent(in) :: n_layers                 ! L
    integer, intent(in) :: sizes(0:n_layers)        ! n_0 .. n_L
    integer, intent(in) :: p_off(n_layers)          ! offset of W_l in params
    integer, intent(in) :: a_off(0:n_layers)        ! offset of z_l / a_l in zs / act (l >= 1)
    double precision, intent(in) :: params(*)       ! flat parameters
    integer, intent(in) :: bs                       ! samples in this batch (columns)
    double precision, intent(in) :: x(sizes(0), bs) ! a_0: the inputs, one column per sample
    double precision, intent(inout) :: zs(*)        ! out: z_l (n_l x bs) at a_off(l)
    double precision, intent(inout) :: act(*)       ! out: a_l (n_l x bs) at a_off(l)
    integer, intent(in) :: hidden                   ! internal hidden activation code
    integer, intent(in) :: output                   ! internal output activation code
    integer :: l, n_prev, n
    n_prev = sizes(0)
    do l = 1, n_layers
      n = sizes(l)
      ! z = a W + b with samples as rows; here z_l = W_l^T a_{l-1} + b_l, samples as columns
      if (l == 1) then
        call gemm('T', 'N', n, bs, n_prev, params(p_off(l) + 1), x, zs(a_off(l) + 1))
      else
        call gemm('T', 'N', n, bs, n_prev, params(p_off(l) + 1), act(a_off(l - 1) + 1), &
                  zs(a_off(l) + 1))
      end if
      call add_bias(n, bs, params(p_off(l) + n_prev * n + 1), zs(a_off(l) + 1))
      if (l < n_layers) then
        call activate(n * bs, zs(a_off(l) + 1), act(a_off(l) + 1), hidden)
      else if (output == ACT_SOFTMAX) then
        call softmax(n, bs, zs(a_off(l) + 1), act(a_off(l) + 1))
      else
        call activate(n * bs, zs(a_off(l) + 1), act(a_off(l) + 1), output)
      end if
      n_prev = n
    end do
  end subroutine feedforward

  pure subroutine output_delta(m, n, a, y, n_mean, output, loss, delta)
    ! delta = dC/dz_L (m x n) of the mean loss over n_mean samples, for n samples (columns).
    ! (Every delta of the contract is a function of a and y, so z_L is not passed here.)
    integer, intent(in) :: m                        ! outputs per sample
    integer, intent(in) :: n                        ! samples (columns) given here
    double precision, intent(in) :: a(m, n)         ! output-layer activations
    double precision, intent(in) :: y(m, n)         ! targets
    double precision, intent(in) :: n_mean          ! the mean's divisor (>= n when chunked)
    integer, intent(in) :: output                   ! internal output activation code
    integer, intent(in) :: loss                     ! loss code
    double precision, intent(out) :: delta(m, n)    ! dC/dz_L
    integer :: s
    double precision :: ga
    if (loss == LOSS_CROSS_ENTROPY .and. output == ACT_SOFTMAX) then
      ! d/dz of -sum y log softmax(z) is a sum(y) - y: a - y when the targets sum to 1
      do s = 1, n
        delta(:, s) = (a(:, s) * sum(y(:, s)) - y(:, s)) / n_mean
      end do
    else if (loss == LOSS_CROSS_ENTROPY .or. output == ACT_LINEAR) then
      ! cross_entropy with sigmoid, and mse with linear: (a - y)/n
      delta = (a - y) / n_mean
    else if (output == ACT_SIGMOID) then
      ! mse + sigmoid: (a - y) a (1 - a)/n
      delta = (a - y) * a * (1d0 - a) / n_mean
    else
      ! mse + softmax: g = (a - y)/n, delta = a (g - sum_k g_k a_k), per sample (column here)
      do s = 1, n
        delta(:, s) = (a(:, s) - y(:, s)) / n_mean
        ga = sum(delta(:, s) * a(:, s))
        delta(:, s) = a(:, s) * (delta(:, s) - ga)
      end do
    end if
  end subroutine output_delta

  function backprop(n_layers, sizes, p_off, a_off, params, bs, x, y, n_mean, zs, act, delta, &
                    nabla, hidden, output, loss) result(loss_total)
    ! Loss sum and gradient nabla (flat, like params) of the mean loss over n_mean samples,
    ! from the bs samples (columns) of x (n_0 x bs) and y (n_L x bs).
    integer, intent(in) :: n_layers                         ! L
    integer, intent(in) :: sizes(0:n_layers)                ! n_0 .. n_L
    integer, intent(in) :: p_off(n_layers)                  ! offset of W_l in params / nabla
    integer, intent(in) :: a_off(0:n_layers)                ! offset of layer l in zs/act/delta
    double precision, intent(in) :: params(*)               ! flat parameters
    integer, intent(in) :: bs                               ! samples in this batch
    double precision, intent(in) :: x(sizes(0), bs)         ! inputs, one column per sample
    double precision, intent(in) :: y(sizes(n_layers), bs)  ! targets, one column per sample
    double precision, intent(in) :: n_mean                  ! divisor of the mean loss
    double precision, intent(inout) :: zs(*)                ! work: z_l
    double precision, intent(inout) :: act(*)               ! work: a_l
    double precision, intent(inout) :: delta(*)             ! work: delta_l
    double precision, intent(inout) :: nabla(*)             ! out: gradient (flat)
    integer, intent(in) :: hidden                           ! internal hidden activation code
    integer, intent(in) :: output                           ! internal output activation code
    integer, intent(in) :: loss                             ! loss code
    double precision :: loss_total                          ! sum of the bs per-sample losses
    integer :: l, n, n_prev, L_off
    call feedforward(n_layers, sizes, p_off, a_off, params, bs, x, zs, act, hidden, output)
    L_off = a_off(n_layers)
    n = sizes(n_layers)
    loss_total = loss_sum(n, bs, zs(L_off + 1), act(L_off + 1), y, output, loss)
    ! backward pass: begin
    call output_delta(n, bs, act(L_off + 1), y, n_mean, output, loss, delta(L_off + 1))
    do l = n_layers, 1, -1
      n = sizes(l)
      n_prev = sizes(l - 1)
      ! nabla_W_l = a_{l-1}^T delta_l; samples are columns here, so a_{l-1} delta_l^T
      if (l == 1) then
        call gemm('N', 'T', n_prev, n, bs, x, delta(a_off(l) + 1), nabla(p_off(l) + 1))
      else
        call gemm('N', 'T', n_prev, n, bs, act(a_off(l - 1) + 1), delta(a_off(l) + 1), &
                  nabla(p_off(l) + 1))
      end if
      ! nabla_b_l = column sums of delta_l; here the sums along each row (over samples)
      call row_sums(n, bs, delta(a_off(l) + 1), nabla(p_off(l) + n_prev * n + 1))
      if (l > 1) then
        ! delta_{l-1} = (delta_l W_l^T) * f'(z_{l-1}); samples are columns: W_l delta_l
        call gemm('N', 'N', n_prev, bs, n, params(p_off(l) + 1), delta(a_off(l) + 1), &
                  delta(a_off(l - 1) + 1))
        call activate_prime(n_prev * bs, zs(a_off(l - 1) + 1), act(a_off(l - 1) + 1), hidden, &
                            delta(a_off(l - 1) + 1))
      end if
    end do
    ! backward pass: end
  end function backprop

  pure subroutine update(n_layers, sizes, p_off, params, velocity, nabla, eta, momentum, l2)
    ! Momentum step: v = momentum v - eta (nabla + l2 W) (biases: no l2); params += v.
    integer, intent(in) :: n_layers                   ! L
    integer, intent(in) :: sizes(0:n_layers)          ! n_0 .. n_L
    integer, intent(in) :: p_off(n_layers)            ! offset of W_l in params
    double precision, intent(inout) :: params(*)      ! flat parameters, updated
    double precision, intent(inout) :: velocity(*)    ! flat velocity v, updated
    double precision, intent(in) :: nabla(*)          ! flat gradient of the batch's mean loss
    double precision, intent(in) :: eta               ! learning rate
    double precision, intent(in) :: momentum          ! momentum in [0, 1)
    double precision, intent(in) :: l2                ! l2 coefficient (weights only)
    integer :: l, i, w_end, b_end
    if (.not. (l2 > 0d0)) then
      ! no l2: weights and biases take the same step, one loop over the whole vector
      ! (the same numbers as below: nabla + 0 W = nabla); unrolled: with per-sample steps
      ! its vector loop's own counting was a tenth of its instructions
      !GCC$ unroll 4
      do i = 1, p_off(n_layers) + sizes(n_layers - 1) * sizes(n_layers) + sizes(n_layers)
        velocity(i) = momentum * velocity(i) - eta * nabla(i)
        params(i) = params(i) + velocity(i)
      end do
      return
    end if
    do l = 1, n_layers
      w_end = p_off(l) + sizes(l - 1) * sizes(l)
      b_end = w_end + sizes(l)
      do i = p_off(l) + 1, w_end
        velocity(i) = momentum * velocity(i) - eta * (nabla(i) + l2 * params(i))
        params(i) = params(i) + velocity(i)
      end do
      do i = w_end + 1, b_end
        velocity(i) = momentum * velocity(i) - eta * nabla(i)
        params(i) = params(i) + velocity(i)
      end do
    end do
  end subroutine update

  subroutine train_epochs(n_layers, sizes, p_off, a_off, n_params, params, n_samples, x, y, &
                          epochs, orders, batch_size, eta, momentum, l2, hidden, output, loss, &
                          xb, yb, zs, act, delta, nabla, velocity, history, info, bad_epoch)
    ! The epochs x batches loop: per batch, backprop then update; history(e) = mean loss.
    integer, intent(in) :: n_layers                             ! L
    integer, intent(in) :: sizes(0:n_layers)                    ! n_0 .. n_L
    integer, intent(in) :: p_off(n_layers)                      ! offset of W_l in params
    integer, intent(in) :: a_off(0:n_layers)                    ! offset of layer l in work
    integer, intent(in) :: n_params                             ! length of params
    double precision, intent(inout) :: params(n_params)         ! flat parameters, trained
    integer, intent(in) :: n_samples                            ! samples in x and y
    double precision, intent(in) :: x(sizes(0), n_samples)      ! inputs (columns)
    double precision, intent(in) :: y(sizes(n_layers), n_samples) ! targets (columns)
    integer, intent(in) :: epochs                               ! number of epochs
    integer, intent(in) :: orders(n_samples, epochs)            ! 0-based sample order per epoch
    integer, intent(in) :: batch_size                           ! samples per batch (>= 1)
    double precision, intent(in) :: eta                         ! learning rate
    double precision, intent(in) :: momentum                    ! momentum
    double precision, intent(in) :: l2                          ! l2 coefficient
    integer, intent(in) :: hidden                               ! internal hidden code
    integer, intent(in) :: output                               ! internal output code
    integer, intent(in) :: loss                                 ! loss code
    double precision, intent(inout) :: xb(*)                    ! work: gathered batch inputs
    double precision, intent(inout) :: yb(*)                    ! work: gathered batch targets
    double precision, intent(inout) :: zs(*)                    ! work: z_l
    double precision, intent(inout) :: act(*)                   ! work: a_l
    double precision, intent(inout) :: delta(*)                 ! work: delta_l
    double precision, intent(inout) :: nabla(n_params)          ! work: batch gradient
    double precision, intent(inout) :: velocity(n_params)       ! work: velocity
    double precision, intent(out) :: history(epochs)            ! mean loss per epoch
    integer, intent(out) :: info                                ! OK or ERR_NONFINITE
    integer, intent(out) :: bad_epoch                           ! 1-based epoch, or 0
    integer :: e, start, bs, k, first, n_in, n_out
    logical :: contiguous
    double precision :: epoch_loss
    n_in = sizes(0)
    n_out = sizes(n_layers)
    info = OK
    bad_epoch = 0
    velocity = 0d0
    do e = 1, epochs
      epoch_loss = 0d0
      do start = 1, n_samples, batch_size
        bs = min(batch_size, n_samples - start + 1)
        ! orders are 0-based: sample orders(k, e) is column orders(k, e) + 1 of x
        first = orders(start, e) + 1
        contiguous = .true.
        do k = 1, bs - 1
          if (orders(start + k, e) + 1 /= first + k) contiguous = .false.
        end do
        if (contiguous) then
          ! the batch is already a block of columns of x and y: no copy
          epoch_loss = epoch_loss + backprop(n_layers, sizes, p_off, a_off, params, bs, &
              x(1, first), y(1, first), dble(bs), zs, act, delta, nabla, hidden, output, loss)
        else
          ! gather the batch's columns once into xb, yb
          call gather(n_in, n_samples, x, bs, orders(start, e), xb)
          call gather(n_out, n_samples, y, bs, orders(start, e), yb)
          epoch_loss = epoch_loss + backprop(n_layers, sizes, p_off, a_off, params, bs, &
              xb, yb, dble(bs), zs, act, delta, nabla, hidden, output, loss)
        end if
        call update(n_layers, sizes, p_off, params, velocity, nabla, eta, momentum, l2)
      end do
      history(e) = epoch_loss / dble(n_samples)
      if (.not. is_finite(history(e))) then
        info = ERR_NONFINITE
        bad_epoch = e
        return
      end if
    end do
  end subroutine train_epochs

  ! ---------------------------------------------------------------------------------------
  ! Small utilities: the stable softplus, the finiteness test, checks and layout.
  ! ---------------------------------------------------------------------------------------


  pure function softplus(x) result(sp)
    ! max(x, 0) + log1p(exp(-|x|)), with log1p in its accurate Fortran 95 form.
    double precision, intent(in) :: x            ! argument
    double precision :: sp                       ! softplus(x)
    double precision :: e, u
    e = exp(-abs(x))
    ! log1p(e) = e if 1 + e rounds to 1, else log(u) e / (u - 1) with u = 1 + e
    u = 1d0 + e
    if (u > 1d0) then
      sp = max(x, 0d0) + log(u) * e / (u - 1d0)
    else
      sp = max(x, 0d0) + e
    end if
  end function softplus

  pure function is_finite(x) result(finite)
    ! True when x is neither NaN nor infinite (Fortran 95 has no ieee_arithmetic).
    double precision, intent(in) :: x            ! value to test
    logical :: finite                            ! x is finite
    ! every comparison with NaN is false
    finite = x >= -huge(x) .and. x <= huge(x)
  end function is_finite

  pure subroutine check_network(n_layers, layer_sizes, n_params, n_in, n_out, n_samples, &
                           hidden, output, loss, info)
    ! info = OK when the sizes agree with each other and the codes are known.
    integer, intent(in) :: n_layers                   ! L
    integer, intent(in) :: layer_sizes(n_layers + 1)  ! n_0 .. n_L
    integer, intent(in) :: n_params                   ! length of params
    integer, intent(in) :: n_in                       ! rows of x
    integer, intent(in) :: n_out                      ! rows of y / a_out
    integer, intent(in) :: n_samples                  ! columns of x
    integer, intent(in) :: hidden                     ! hidden activation code (spec's)
    integer, intent(in) :: output                     ! output activation code (spec's)
    integer, intent(in) :: loss                       ! loss code
    integer, intent(out) :: info                      ! OK or an ERR_* code
    integer :: l
    double precision :: count
    integer :: n_count
    info = OK
    if (n_layers < 1) then
      info = ERR_LAYERS
      return
    end if
    if (minval(layer_sizes) < 1) then
      info = ERR_LAYERS
      return
    end if
    count = 0d0
    do l = 1, n_layers
      count = count + dble(layer_sizes(l)) * dble(layer_sizes(l + 1)) + dble(layer_sizes(l + 1))
    end do
    if (count > dble(huge(n_params))) then
      info = ERR_ALLOC
      return
    end if
    n_count = 0
    do l = 1, n_layers
      n_count = n_count + layer_sizes(l) * layer_sizes(l + 1) + layer_sizes(l + 1)
    end do
    if (n_count /= n_params) then
      info = ERR_N_PARAMS
    else if (n_in /= layer_sizes(1)) then
      info = ERR_N_IN
    else if (n_out /= layer_sizes(n_layers + 1)) then
      info = ERR_N_OUT
    else if (n_samples < 1) then
      info = ERR_N_SAMPLES
    else if (hidden < 0 .or. hidden > 3 .or. output < 0 .or. output > 2 .or. loss < 0 &
             .or. loss > 1) then
      info = ERR_CODE
    else if (loss == LOSS_CROSS_ENTROPY .and. output == 2) then
      info = ERR_CODE
    end if
  end subroutine check_network

  pure function output_code(output) result(code)
    ! The internal activation code of spec's output code (0 sigmoid, 1 softmax, 2 linear).
    integer, intent(in) :: output                ! spec's output activation code
    integer :: code                              ! ACT_SIGMOID, ACT_SOFTMAX or ACT_LINEAR
    select case (output)
    case (1)
      code = ACT_SOFTMAX
    case (2)
      code = ACT_LINEAR
    case default
      code = ACT_SIGMOID
    end select
  end function output_code

  pure subroutine layout(n_layers, sizes, bs, p_off, a_off, n_work, info)
    ! Offsets of W_l in params and of layer l (n_l x bs) in the work arrays; their length.
    integer, intent(in) :: n_layers               ! L
    integer, intent(in) :: sizes(0:n_layers)      ! n_0 .. n_L
    integer, intent(in) :: bs                     ! largest batch (columns)
    integer, intent(out) :: p_off(n_layers)       ! offset of W_l in params
    integer, intent(out) :: a_off(0:n_layers)     ! offset of layer l in zs / act / delta
                                                  ! (layer 0 is x itself: a_off(0) = 0, unused)
    integer, intent(out) :: n_work                ! length of zs / act / delta
    integer, intent(out) :: info                  ! OK, or ERR_ALLOC if too large
    integer :: l
    double precision :: total
    info = OK
    total = dble(bs) * dble(max(sizes(0), sizes(n_layers)))
    do l = 1, n_layers
      total = total + dble(sizes(l)) * dble(bs)
    end do
    if (total > dble(huge(n_work)) - 1d0) then
      info = ERR_ALLOC
      n_work = 0
      p_off = 0
      a_off = 0
      return
    end if
    p_off(1) = 0
    a_off(0) = 0
    a_off(1) = 0
    do l = 2, n_layers
      p_off(l) = p_off(l - 1) + sizes(l - 2) * sizes(l - 1) + sizes(l - 1)
      a_off(l) = a_off(l - 1) + sizes(l - 1) * bs
    end do
    n_work = a_off(n_layers) + sizes(n_layers) * bs
  end subroutine layout

  ! ---------------------------------------------------------------------------------------
  ! The wrapped entry points (f2py): explicit-shape arrays, sizes first, an error code.
  ! ---------------------------------------------------------------------------------------

  subroutine forward(n_layers, n_params, n_in, n_out, n_samples, layer_sizes, params, x, &
                     hidden, output, a_out, info)
    ! a_out(:, s) = the network's output for sample x(:, s), s = 1 .. n_samples.
    !f2py threadsafe
    integer, intent(in) :: n_layers                      ! L, number of weight layers (>= 1)
    integer, intent(in) :: n_params                      ! length of params
    integer, intent(in) :: n_in                          ! inputs per sample = layer_sizes(1)
    integer, intent(in) :: n_out                         ! outputs per sample = layer_sizes(L+1)
    integer, intent(in) :: n_samples                     ! samples (>= 1)
    integer, intent(in) :: layer_sizes(n_layers + 1)     ! n_0 .. n_L
    double precision, intent(in) :: params(n_params)     ! flat parameters (see the header)
    double precision, intent(in) :: x(n_in, n_samples)   ! inputs, one column per sample
    integer, intent(in) :: hidden                        ! hidden activation code
    integer, intent(in) :: output                        ! output activation code
    double precision, intent(out) :: a_out(n_out, n_samples) ! outputs, one column per sample
    integer, intent(out) :: info                         ! OK or an ERR_* code
    integer :: p_off(n_layers), a_off(0:n_layers), n_work, start, bs, stat
    double precision, allocatable :: zs(:), act(:)
    a_out = 0d0
    call check_network(n_layers, layer_sizes, n_params, n_in, n_out, n_samples, hidden, &
                       output, LOSS_MSE, info)
    if (info /= OK) return
    call layout(n_layers, layer_sizes, min(CHUNK, n_samples), p_off, a_off, n_work, info)
    if (info /= OK) return
    allocate(zs(n_work), act(n_work), stat=stat)
    if (stat /= 0) then
      info = ERR_ALLOC
      return
    end if
    do start = 1, n_samples, CHUNK
      bs = min(CHUNK, n_samples - start + 1)
      call feedforward(n_layers, layer_sizes, p_off, a_off, params, bs, x(1, start), zs, act, &
                       hidden, output_code(output))
      call copy_to(n_out * bs, act(a_off(n_layers) + 1), a_out(1, start))
    end do
    deallocate(zs, act)
  end subroutine forward

  subroutine mean_loss(n_layers, n_params, n_in, n_out, n_samples, layer_sizes, params, x, y, &
                       hidden, output, loss, mean, info)
    ! mean = the mean over the n_samples columns of the per-sample loss.
    !f2py threadsafe
    integer, intent(in) :: n_layers                      ! L, number of weight layers (>= 1)
    integer, intent(in) :: n_params                      ! length of params
    integer, intent(in) :: n_in                          ! inputs per sample = layer_sizes(1)
    integer, intent(in) :: n_out                         ! outputs per sample = layer_sizes(L+1)
    integer, intent(in) :: n_samples                     ! samples (>= 1)
    integer, intent(in) :: layer_sizes(n_layers + 1)     ! n_0 .. n_L
    double precision, intent(in) :: params(n_params)     ! flat parameters (see the header)
    double precision, intent(in) :: x(n_in, n_samples)   ! inputs, one column per sample
    double precision, intent(in) :: y(n_out, n_samples)  ! targets, one column per sample
    integer, intent(in) :: hidden                        ! hidden activation code
    integer, intent(in) :: output                        ! output activation code
    integer, intent(in) :: loss                          ! loss code
    double precision, intent(out) :: mean                ! mean loss
    integer, intent(out) :: info                         ! OK or an ERR_* code
    integer :: p_off(n_layers), a_off(0:n_layers), n_work, start, bs, stat, out_act
    double precision, allocatable :: zs(:), act(:)
    mean = 0d0
    call check_network(n_layers, layer_sizes, n_params, n_in, n_out, n_samples, hidden, &
                       output, loss, info)
    if (info /= OK) return
    call layout(n_layers, layer_sizes, min(CHUNK, n_samples), p_off, a_off, n_work, info)
    if (info /= OK) return
    allocate(zs(n_work), act(n_work), stat=stat)
    if (stat /= 0) then
      info = ERR_ALLOC
      return
    end if
    out_act = output_code(output)
    do start = 1, n_samples, CHUNK
      bs = min(CHUNK, n_samples - start + 1)
      call feedforward(n_layers, layer_sizes, p_off, a_off, params, bs, x(1, start), zs, act, &
                       hidden, out_act)
      mean = mean + loss_sum(n_out, bs, zs(a_off(n_layers) + 1), act(a_off(n_layers) + 1), &
                               y(1, start), out_act, loss)
    end do
    mean = mean / dble(n_samples)
    deallocate(zs, act)
  end subroutine mean_loss

  subroutine loss_and_gradients(n_layers, n_params, n_in, n_out, n_samples, layer_sizes, &
                                params, x, y, hidden, output, loss, mean, nabla, info)
    ! mean = mean loss over the n_samples columns; nabla = its gradient (flat, like params).
    !f2py threadsafe
    integer, intent(in) :: n_layers                      ! L, number of weight layers (>= 1)
    integer, intent(in) :: n_params                      ! length of params
    integer, intent(in) :: n_in                          ! inputs per sample = layer_sizes(1)
    integer, intent(in) :: n_out                         ! outputs per sample = layer_sizes(L+1)
    integer, intent(in) :: n_samples                     ! samples (>= 1)
    integer, intent(in) :: layer_sizes(n_layers + 1)     ! n_0 .. n_L
    double precision, intent(in) :: params(n_params)     ! flat parameters (see the header)
    double precision, intent(in) :: x(n_in, n_samples)   ! inputs, one column per sample
    double precision, intent(in) :: y(n_out, n_samples)  ! targets, one column per sample
    integer, intent(in) :: hidden                        ! hidden activation code
    integer, intent(in) :: output                        ! output activation code
    integer, intent(in) :: loss                          ! loss code
    double precision, intent(out) :: mean                ! mean loss
    double precision, intent(out) :: nabla(n_params)     ! gradient of the mean loss
    integer, intent(out) :: info                         ! OK or an ERR_* code
    integer :: p_off(n_layers), a_off(0:n_layers), n_work, start, bs, stat
    double precision, allocatable :: zs(:), act(:), delta(:), part(:)
    mean = 0d0
    nabla = 0d0
    call check_network(n_layers, layer_sizes, n_params, n_in, n_out, n_samples, hidden, &
                       output, loss, info)
    if (info /= OK) return
    call layout(n_layers, layer_sizes, min(CHUNK, n_samples), p_off, a_off, n_work, info)
    if (info /= OK) return
    allocate(zs(n_work), act(n_work), delta(n_work), part(n_params), stat=stat)
    if (stat /= 0) then
      info = ERR_ALLOC
      return
    end if
    ! blocks of CHUNK samples: each block's gradient is of the mean over all n_samples
    do start = 1, n_samples, CHUNK
      bs = min(CHUNK, n_samples - start + 1)
      mean = mean + backprop(n_layers, layer_sizes, p_off, a_off, params, bs, x(1, start), &
          y(1, start), dble(n_samples), zs, act, delta, part, hidden, output_code(output), loss)
      nabla = nabla + part
    end do
    mean = mean / dble(n_samples)
    deallocate(zs, act, delta, part)
  end subroutine loss_and_gradients

  subroutine train(n_layers, n_params, n_in, n_out, n_samples, epochs, layer_sizes, params, &
                   x, y, orders, batch_size, learning_rate, momentum, l2, hidden, output, &
                   loss, history, info, bad_epoch)
    ! Train params in place for `epochs` epochs of mini-batch SGD with momentum and l2.
    !f2py threadsafe
    integer, intent(in) :: n_layers                        ! L, number of weight layers (>= 1)
    integer, intent(in) :: n_params                        ! length of params
    integer, intent(in) :: n_in                            ! inputs per sample = layer_sizes(1)
    integer, intent(in) :: n_out                           ! outputs per sample = layer_sizes(L+1)
    integer, intent(in) :: n_samples                       ! samples (>= 1)
    integer, intent(in) :: epochs                          ! epochs (>= 1)
    integer, intent(in) :: layer_sizes(n_layers + 1)       ! n_0 .. n_L
    double precision, intent(inout) :: params(n_params)    ! flat parameters, trained in place
    double precision, intent(in) :: x(n_in, n_samples)     ! inputs, one column per sample
    double precision, intent(in) :: y(n_out, n_samples)    ! targets, one column per sample
    integer, intent(in) :: orders(n_samples, epochs)       ! column e: epoch e's 0-based order
    integer, intent(in) :: batch_size                      ! samples per batch (>= 1)
    double precision, intent(in) :: learning_rate          ! eta (>= 0)
    double precision, intent(in) :: momentum               ! in [0, 1)
    double precision, intent(in) :: l2                     ! l2 coefficient on weights (>= 0)
    integer, intent(in) :: hidden                          ! hidden activation code
    integer, intent(in) :: output                          ! output activation code
    integer, intent(in) :: loss                            ! loss code
    double precision, intent(out) :: history(epochs)       ! mean per-sample loss per epoch
    integer, intent(out) :: info                           ! OK or an ERR_* code
    integer, intent(out) :: bad_epoch                      ! ERR_NONFINITE: the 1-based epoch
    integer :: p_off(n_layers), a_off(0:n_layers), n_work, bs, stat
    double precision, allocatable :: xb(:), yb(:), zs(:), act(:), delta(:), nabla(:), velocity(:)
    history = 0d0
    bad_epoch = 0
    call check_network(n_layers, layer_sizes, n_params, n_in, n_out, n_samples, hidden, &
                       output, loss, info)
    if (info /= OK) return
    if (epochs < 1) then
      info = ERR_EPOCHS
    else if (batch_size < 1) then
      info = ERR_BATCH
    else if (minval(orders) < 0 .or. maxval(orders) >= n_samples) then
      info = ERR_ORDERS
    else if (.not. (is_finite(learning_rate) .and. is_finite(momentum) .and. is_finite(l2))) then
      info = ERR_RATE
    else if (learning_rate < 0d0 .or. momentum < 0d0 .or. momentum >= 1d0 .or. l2 < 0d0) then
      info = ERR_RATE
    end if
    if (info /= OK) return
    bs = min(batch_size, n_samples)
    call layout(n_layers, layer_sizes, bs, p_off, a_off, n_work, info)
    if (info /= OK) return
    ! every work array is allocated once here, none in the loops
    allocate(xb(n_in * bs), yb(n_out * bs), zs(n_work), act(n_work), delta(n_work), &
             nabla(n_params), velocity(n_params), stat=stat)
    if (stat /= 0) then
      info = ERR_ALLOC
      return
    end if
    call train_epochs(n_layers, layer_sizes, p_off, a_off, n_params, params, n_samples, x, y, &
                      epochs, orders, batch_size, learning_rate, momentum, l2, hidden, &
                      output_code(output), loss, xb, yb, zs, act, delta, nabla, velocity, &
                      history, info, bad_epoch)
    deallocate(xb, yb, zs, act, delta, nabla, velocity)
  end subroutine train

  subroutine set_matmul_path(path, info)
    ! Select the matrix-product path: 0 auto, 1 reference loops, 2 BLAS dgemm always.
    integer, intent(in) :: path                  ! PATH_AUTO, PATH_LOOPS or PATH_BLAS
    integer, intent(out) :: info                 ! OK, or ERR_PATH (unknown, or no BLAS linked)
    info = OK
    if (path == PATH_AUTO .or. path == PATH_LOOPS) then
      matmul_path = path
    else if (path == PATH_BLAS .and. blas_linked()) then
      matmul_path = path
    else
      info = ERR_PATH
    end if
  end subroutine set_matmul_path

  subroutine get_matmul_path(path)
    ! The matrix-product path in force: 0 auto, 1 reference loops, 2 BLAS dgemm always.
    integer, intent(out) :: path                 ! PATH_AUTO, PATH_LOOPS or PATH_BLAS
    path = matmul_path
  end subroutine get_matmul_path

  subroutine blas_available(linked)
    ! linked = 1 when this build links BLAS dgemm (meson option -Dblas), else 0.
    integer, intent(out) :: linked               ! 1 or 0
    linked = 0
    if (blas_linked()) linked = 1
  end subroutine blas_available

end module trainer
