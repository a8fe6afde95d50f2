"""Pure renderers: Documents to HTML, print HTML and speech scripts; no files touched."""
