"""Errors the core raises; every message is Chinese and says what to fix."""

from __future__ import annotations


class GridOfficeError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(GridOfficeError):
    """A value a clerk entered is wrong; `field` names the input to correct."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class NotFound(GridOfficeError):
    pass


class RuleViolation(GridOfficeError):
    """An operation would break a domain rule (e.g. a household without a head)."""


class PermissionDenied(GridOfficeError):
    """The acting user's role or scope does not allow this (the message names what is refused)."""


class PackageRefused(GridOfficeError):
    """A package that may not be used; `reason` is one of consolidation.package.REFUSALS."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
