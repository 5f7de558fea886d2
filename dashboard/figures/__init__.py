"""Pure figure builders: DataFrame in, Plotly figure (or Cytoscape elements) out; no Dash, no data access."""
