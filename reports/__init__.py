"""PDF reports: a pure function of saved benchmark results."""
