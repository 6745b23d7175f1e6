"""Commands of the starter, one module per group of commands."""
