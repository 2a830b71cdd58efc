"""Importers: files in public and project formats → validated domain objects."""
