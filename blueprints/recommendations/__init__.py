"""Recommendations: "for you" on the home page and "people who supported this also supported" on item pages.

No routes of its own: the pages that show suggestions ask services.py for them, and include the
templates in templates/recommendations/.
"""
