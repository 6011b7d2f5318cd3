"""napci: the Northeast Asia Peace and Cooperation Initiative as working software."""

__version__ = "0.1.0"
