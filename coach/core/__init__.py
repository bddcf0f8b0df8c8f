"""The pure core: numpy landmarks and seconds in, events and records out; no camera, window, clock or file."""
