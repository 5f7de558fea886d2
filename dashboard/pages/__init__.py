"""The dashboards: one module or package per page, listed in order in pages.registry.REGISTRY.

A page module has a docstring, PATH, TITLE, `layout(**query)` and its callbacks; a tag-grid page
also has GRID, its spec for the shared template in pages._grid.
"""
