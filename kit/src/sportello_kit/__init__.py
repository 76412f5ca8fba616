"""What every Sportello service shares at run time: settings, bus, MongoDB, outbox, inbox, health.

No domain rules live here.
"""
