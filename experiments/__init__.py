"""Experiments built on the `recurrent` library: tasks, training, analysis."""
