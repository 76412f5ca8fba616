"""What to tell users, and when: pure Python, no I/O."""
