"""The one Jinja2 environment setup for drafts, the digest and the checklist.

The templates ship inside the package (`inboxfollow.templates`, the repository's
`templates/` folder) and are read through `importlib.resources`, so they are found
in a wheel, an editable install and a zip alike. A folder of the owner's own
templates ([drafts].templates) comes first: a file there replaces the shipped file
of the same name, and whatever it lacks comes from the shipped set.

Templates render in Jinja2's sandbox, and values from mail are passed in as data
and never evaluated as a template. HTML templates are autoescaped, text templates
are not; an unknown variable is an error that names the template file and the
variable, not an empty string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    UndefinedError,
    select_autoescape,
)
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from inboxfollow.errors import ConfigError

SHIPPED_PACKAGE = "inboxfollow.templates"


def shipped_templates() -> Traversable:
    """The folder of the templates that ship with inboxfollow (maybe inside a zip)."""
    return files(SHIPPED_PACKAGE)


class ShippedLoader(BaseLoader):
    """Templates from package data: a real folder, or a folder inside a zip."""

    def __init__(self, root: Traversable | None = None) -> None:
        self.root = root if root is not None else shipped_templates()

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        resource = self.root.joinpath(*split_template_path(template))
        if not resource.is_file():
            raise TemplateNotFound(template)
        return resource.read_text(encoding="utf-8"), str(resource), lambda: True

    def has(self, name: str) -> bool:
        return self.root.joinpath(*split_template_path(name)).is_file()


def environment(folder: Path | None = None) -> Environment:
    """The environment: the owner's folder (when given) first, then the shipped templates."""
    loaders: list[BaseLoader] = [ShippedLoader()]
    if folder is not None:
        loaders.insert(0, FileSystemLoader(str(folder)))
    return SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html", "html.j2"), default_for_string=False, default=False
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class TemplateSet:
    """The shipped templates, each one replaceable by a file in the owner's folder."""

    def __init__(self, folder: Path | None = None) -> None:
        if folder is not None and not folder.is_dir():
            raise ConfigError(
                f"templates folder {folder} does not exist",
                "check [drafts].templates, or leave it empty for the shipped templates",
            )
        self.folder = folder
        self.shipped = ShippedLoader()
        self.env = environment(folder)
        self._chosen: dict[tuple[str, ...], str | None] = {}  # one look per chain and run

    def owner_has(self, name: str) -> bool:
        folder = self.folder
        return folder is not None and folder.joinpath(*split_template_path(name)).is_file()

    def first(self, names: Sequence[str]) -> Template | None:
        """The first of `names` in the owner's folder, else the first shipped one, else None.

        The owner's folder is searched for every name before the shipped set is: their
        `followup.txt.j2` stands for every step they wrote no template of their own for.
        """
        key = tuple(names)
        if key not in self._chosen:
            found = [n for n in names if self.owner_has(n)] or [
                n for n in names if self.shipped.has(n)]
            self._chosen[key] = found[0] if found else None
        name = self._chosen[key]
        return self.get(name) if name is not None else None

    def first_found(self, names: Sequence[str]) -> Template | None:
        """The first of `names` found anywhere, the owner's file before the shipped one
        of the same name: the owner replaces shipped files one at a time."""
        for name in names:
            if self.owner_has(name) or self.shipped.has(name):
                return self.get(name)
        return None

    def owner_has_folder(self, name: str) -> bool:
        folder = self.folder
        return folder is not None and folder.joinpath(*split_template_path(name)).is_dir()

    def get(self, name: str) -> Template:
        try:
            return self.env.get_template(name)
        except TemplateSyntaxError as err:
            where = err.filename or name
            raise ConfigError(
                f"template {where}, line {err.lineno}: {err.message}", self._fix(name)
            ) from err
        except TemplateNotFound as err:
            raise ConfigError(
                f"template {name} is neither in {self.folder or 'a templates folder'} nor shipped",
                "reinstall inboxfollow, or add the file to [drafts].templates",
            ) from err
        except TemplateError as err:
            raise ConfigError(f"template {name}: {err}", self._fix(name)) from err

    def render(self, template: Template, values: Mapping[str, Any]) -> str:
        """Render; a broken template is a ConfigError naming its file and the variable."""
        where = template.filename or template.name
        try:
            return template.render(**values)
        except UndefinedError as err:
            raise ConfigError(
                f"template {where} uses a variable it was not given: {err.message}",
                f"known variables: {', '.join(sorted(values))}",
            ) from err
        except TemplateError as err:
            raise ConfigError(f"template {where}: {err}", self._fix(template.name or "")) from err

    def _fix(self, name: str) -> str:
        if self.owner_has(name):
            return f"fix {name} in {self.folder}, or remove it to use the shipped one"
        return "fix the template"
