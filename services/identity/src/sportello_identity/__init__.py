"""Identity: customers' fiscal identities, accounts, credentials and sessions."""
