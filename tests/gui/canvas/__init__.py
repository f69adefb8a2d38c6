"""Tests of the annotation canvas."""
