"""Demo data that looks like a real office and a year of its work; never anyone's real data."""
