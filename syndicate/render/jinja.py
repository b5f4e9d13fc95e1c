"""Jinja2 templates: the site's own ``templates/`` first, then the defaults.

The default templates live at the top of the repository, where users find and
copy them; a wheel carries them inside the package (``syndicate/templates``).
Both places are looked up, so an editable install and a wheel behave the same.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import jinja2

from syndicate.sources.config import Site
from syndicate.errors import SyndicateError

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def default_templates_dir() -> Path:
    """Where the default templates are: inside the package (wheel) or beside it (repo)."""
    installed = PACKAGE_DIR / "templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "templates"


def _autoescape(name: str | None) -> bool:
    # select_autoescape() looks at the last suffix only, which is ".j2" here.
    return name is not None and name.endswith((".html.j2", ".html", ".htm"))


def environment(site: Site) -> jinja2.Environment:
    """A Jinja environment for the site: its templates override the defaults by name.

    HTML templates are autoescaped; an undefined variable is an error, so a
    typo in a template never silently renders as nothing.
    """
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(site.templates_dir),
        jinja2.FileSystemLoader(default_templates_dir()),
    ])
    return jinja2.Environment(loader=loader, autoescape=_autoescape, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _shown(site: Site, filename: str | None) -> str | None:
    if filename is None:
        return None
    path = Path(filename)
    try:
        return path.resolve().relative_to(site.root).as_posix()
    except ValueError:
        return str(path)


def template_path(site: Site, env: jinja2.Environment, name: str) -> str:
    """Where template ``name`` comes from, as shown in messages."""
    try:
        return _shown(site, env.get_template(name).filename) or name
    except jinja2.TemplateError:
        return name


# What an expression the user wrote can raise while it is evaluated ("{{ 1/0 }}",
# "{{ 'a' + 1 }}", "{{ x[5] }}"): the user's mistake, named like a syntax error.
EXPRESSION_ERRORS = (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError)


def render_template(site: Site, env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template ``name``; a template mistake becomes one SyndicateError with file and line."""
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise SyndicateError(f"template error: {exc.message}", _shown(site, exc.filename) or name, exc.lineno) from None
    except jinja2.TemplateNotFound:
        raise SyndicateError(f"template {name} not found in {_shown(site, str(site.templates_dir))} "
                             f"or {default_templates_dir()}") from None
    except (jinja2.TemplateError, *EXPRESSION_ERRORS) as exc:
        # Jinja puts the template's own frames into the traceback: the last one
        # names the file and line the user has to fix.
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith((".j2", ".html", ".txt"))]
        where = frames[-1] if frames else None
        raise SyndicateError(f"template error: {exc}", _shown(site, where.filename) if where else name,
                             where.lineno if where else None) from None


def render_string(text: str, context: dict[str, Any], setting: str, site: Site) -> str:
    """Render a template string from the configuration (a subject line, a UTM value)."""
    env = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    try:
        return env.from_string(text).render(context)
    except (jinja2.TemplateError, *EXPRESSION_ERRORS) as exc:
        from syndicate.errors import ConfigError

        raise ConfigError(f"{setting}: {getattr(exc, 'message', None) or exc}", site.config_file) from None
