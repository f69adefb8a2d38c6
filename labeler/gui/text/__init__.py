"""Parts of the text annotation view (`labeler.gui.text_view`)."""
