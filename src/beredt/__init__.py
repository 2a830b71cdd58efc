"""Beredt: decision support for national medicine supply security and domestic production."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("beredt")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
