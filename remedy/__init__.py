"""Remedy's thin shared library: what every stage service needs, and nothing that belongs to one stage."""
