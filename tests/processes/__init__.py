"""Worker processes for tests that kill, stop or restart them."""
