"""Remedy's stage services: one package each, pure decisions plus thin wiring."""
