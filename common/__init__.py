"""What every layer shares: ISO weeks, settings and paths, progress bars.

The bottom of the layer order (docs/architecture.md, "Layers"): it imports no other package of
the project, so any of them may import it.
"""
