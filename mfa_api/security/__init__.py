"""Pure security functions: no Flask, nothing of the project imported."""
