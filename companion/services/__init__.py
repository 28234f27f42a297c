"""Services own lifecycles and persistence; they know no widget."""
