"""The household archive: households, persons, relations, special-group tags and registers, completeness."""
