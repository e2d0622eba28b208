"""The lint rules, one module per family; importing this package registers them all."""

from iamdsl.specs.lint.rules import actions, conditions, delegation, kms, overrides, principals, shadowing, size, unused

__all__ = ["actions", "conditions", "delegation", "kms", "overrides", "principals", "shadowing", "size", "unused"]
