"""The registry of implementations: name -> Network class, as the contract names them (each
found through its entry point, bench.registry)."""

from bench import registry

IMPLEMENTATIONS = registry.load(registry.OWN)

# The implementation every other one is compared against on each workload.
REFERENCE = registry.REFERENCE
