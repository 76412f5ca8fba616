"""Requests: service requests and the trail of the operations users perform."""
