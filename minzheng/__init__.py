"""minzheng: figures, units and programs out of Chinese civil-affairs reports.

This package is the front door only (CLI wiring and shared settings); the work
lives in the stage packages corpus → annotation → training → evaluation → inference.
"""

__version__ = "0.1.0"
