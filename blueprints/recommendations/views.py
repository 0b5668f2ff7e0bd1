"""Turning personalised suggestions off and on, and "not interested"."""
