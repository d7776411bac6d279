"""Validation: the catalogue against published observations and published models."""
