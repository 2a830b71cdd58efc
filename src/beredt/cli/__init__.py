"""The ``beredt`` command line (typer + rich).

Each module of this package that defines ``register(app)`` adds its commands; modules are
discovered at start-up, so a capability adds its commands without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import typer
from typer.core import TyperGroup

from beredt.errors import BeredtError


class _BeredtGroup(TyperGroup):
    """The root command group: the one place where the command line answers a Beredt error.

    A use case raises an error of :mod:`beredt.errors`; here it becomes one ``error:`` line on
    stderr and the error's exit code (2 bad input, 3 the database, 1 otherwise), never a
    traceback.
    """

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a :class:`~beredt.errors.BeredtError` ends it with its message."""
        try:
            return super().invoke(ctx)
        except BeredtError as exc:
            from beredt.cli.common import fail

            fail(str(exc), code=exc.exit_code)


app = typer.Typer(
    cls=_BeredtGroup,
    name="beredt",
    help="Medicine supply security: exposure, disruptions, preparedness and shortage response.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_registered = False


def _register_all() -> None:
    global _registered
    if _registered:
        return
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module_info.name.startswith("_") or module_info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    from beredt.cli.common import export_app, import_app

    app.add_typer(import_app, name="import")
    app.add_typer(export_app, name="export")
    _registered = True


def get_app() -> typer.Typer:
    """The fully registered typer application (for tests: ``CliRunner().invoke(get_app(), …)``)."""
    _register_all()
    return app


def main() -> None:
    """Entry point of the ``beredt`` console script."""
    get_app()()
