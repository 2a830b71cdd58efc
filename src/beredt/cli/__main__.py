"""``python -m beredt.cli``: the beredt command."""

from beredt.cli import main

main()
