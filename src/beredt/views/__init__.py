"""Presentation helpers shared by every interface (DESIGN.md §1: views)."""
