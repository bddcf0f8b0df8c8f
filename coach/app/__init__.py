"""What a user runs: the live window, review, routine, audio, overlay, history and reports."""
