"""Identity's adapters: MongoDB, argon2, tokens."""
