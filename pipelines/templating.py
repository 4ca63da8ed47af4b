"""HTML pages from Jinja2 templates kept beside the code that fills them.

Autoescaping is on: every value from the warehouse or a return is escaped, never pasted.
Every package's templates also see the shared ones in ``pipelines/templates/`` (the building
blocks each page must use to stay accessible: ``accessible.html.j2``, ``accessible.css``).
"""

from __future__ import annotations

import functools

import jinja2


@functools.cache
def environment(package: str) -> jinja2.Environment:
    """The templates of ``package`` (its ``templates/`` folder), then the shared ones."""
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.PackageLoader(package, "templates"), jinja2.PackageLoader("pipelines")]
        ),
        autoescape=jinja2.select_autoescape(("html", "html.j2", "svg.j2")),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the page, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(package: str, template: str, **context) -> str:
    return environment(package).get_template(template).render(**context)
