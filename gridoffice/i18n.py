"""Visible text from the core passes through tr() so the GUI can install a translator.

The core cannot import Qt; the GUI calls install() with a function backed by
QCoreApplication.translate, and every message the core builds goes through it.
"""

from __future__ import annotations

from typing import Callable

_translate: Callable[[str, str], str] = lambda context, text: text


def install(translate: Callable[[str, str], str]) -> None:
    global _translate
    _translate = translate


def tr(text: str, context: str = "gridoffice") -> str:
    return _translate(context, text)
