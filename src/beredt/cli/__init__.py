"""The ``beredt`` command line (typer + rich).

Each module of this package that defines ``register(app)`` adds its commands; modules are
discovered at start-up, so a capability adds its commands without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

app = typer.Typer(
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
