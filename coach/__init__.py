"""coach: a webcam form coach for six lower-back stretches."""

__version__ = "0.1.0"
