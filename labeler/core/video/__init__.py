"""Video assets: frames decoded at import, frame reads, tracks and tracker suggestions.

Importing this package registers the "track" annotation kind, so any code
that reads a project's annotations can validate tracks.
"""

from labeler.core.video import tracks as _tracks  # noqa: F401  (registers the kinds)
