"""Pure-Python (`python_impl.pure`) and NumPy (`python_impl.vectorized`) backpropagation,
and the contract they share with the Fortran trainer (`python_impl.spec`)."""
