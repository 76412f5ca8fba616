"""Identity's use cases: load, decide with the domain, store, emit."""
