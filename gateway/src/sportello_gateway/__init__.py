"""The only HTTP surface of Sportello: authenticates, authorizes, and maps HTTP to the bus."""
