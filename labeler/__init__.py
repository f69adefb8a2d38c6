"""Labeler: an offline, encrypted annotation client for secure facilities."""

__version__ = "0.1.0"
