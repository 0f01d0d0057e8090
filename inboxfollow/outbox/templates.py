"""The one Jinja2 environment setup for drafts, the digest and the checklist.

Templates come only from template folders; values from mail are passed in as
data and never evaluated as a template. HTML templates are autoescaped, text
templates are not; an unknown variable is an error, not an empty string.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape


def environment(folders: Sequence[Path]) -> Environment:
    """An environment that looks for a template in each folder in turn (duplicates once)."""
    unique = list(dict.fromkeys(folder.resolve() for folder in folders))
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in unique]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
