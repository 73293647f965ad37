"""Rosters (花名册) in and out: reading a workbook safely, what its columns mean, and the import job."""
