"""Pure drawing: data in, SVG text out (no I/O, no clock), for the case page and reports."""
