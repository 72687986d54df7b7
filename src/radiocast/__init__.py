"""radiocast: publish a radio programme's articles and recordings as a podcast."""

__version__ = "0.1.0"
