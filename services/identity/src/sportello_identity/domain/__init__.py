"""Identity's rules: pure Python, no I/O."""
