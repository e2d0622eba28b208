"""The engine: one request in, one decision out (design.md §5)."""
