"""The registry of implementations: name -> Network class, as the contract names them
(the modules are named once, in bench.registry.MODULES)."""

import importlib

from bench import registry

IMPLEMENTATIONS = {name: getattr(importlib.import_module(module), attribute)
                   for name, (module, attribute) in registry.MODULES.items()}

# The implementation every other one is compared against on each workload.
REFERENCE = registry.REFERENCE
