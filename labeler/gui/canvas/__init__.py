"""The image annotation canvas; see `AnnotationCanvas`."""

from labeler.gui.canvas.canvas import AnnotationCanvas

__all__ = ["AnnotationCanvas"]
