"""Dash/CSS presentation that is not a Plotly figure (text, image and audio cards); never imports data or pages."""
