"""Dash/CSS presentation that is not a figure (text, image and audio cards); never imports dashboard.data or pages."""
