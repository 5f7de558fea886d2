"""Reusable widgets: run picker, chart card, tag sections, controls, empty state, top bar."""
