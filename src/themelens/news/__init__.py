"""News: articles in, numeric claims out, sources lined up against each other.

``news`` never touches prices (DESIGN.md); anything it needs from the data
layer, such as FX rates, is handed in as a function by the caller.
"""
