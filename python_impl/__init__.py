"""Pure-Python (`python_impl.pure`) and NumPy (`python_impl.vectorized`) backpropagation,
and the contract layer they share with the Fortran trainer: `python_impl.spec` (standard
library: the network, the training, the input rules) and `python_impl.arrays` (the input
rules for NumPy arrays, and the metrics of agreement)."""
