"""The organisation: the unit tree (district to building), staff, service teams and who contacts whom."""
