"""Spiders. `portals` is the one generic spider; per-portal behaviour is registry data."""
