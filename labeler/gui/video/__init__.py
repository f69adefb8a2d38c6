"""Parts of the video annotation view: key table, timeline and frame canvas."""
