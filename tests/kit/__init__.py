"""Helpers shared by several test modules (never fixtures: those live in conftest.py files)."""
