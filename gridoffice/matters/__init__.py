"""Residents' matters, one matter one file: the rules of their life from intake to evaluation, and their reading."""
