"""Edges that bring frames and landmarks in and keep them: video sources, pose backends, traces."""
