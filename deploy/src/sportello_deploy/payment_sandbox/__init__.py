"""The sandbox payment provider: hosted checkouts and Standard Webhooks callbacks, in memory.

It speaks the protocol billing's `HostedCheckout` adapter speaks to a real provider (a hosted
checkout page, then a signed webhook), so the local run and the tests pay bills end to end
without one. `python -m sportello_deploy.payment_sandbox` serves it; development only (it lives
in the deploy package, which no production image holds).
"""
