"""Metering: meters, readings, consumption."""
