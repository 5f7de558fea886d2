"""Dash presentation that is not a figure: text, image and audio cards; never imports data or pages."""
