"""skytrace: self-hostable worldwide flight tracking from raw Mode S / ADS-B frames.

The package tree follows the data flow (see docs/architecture.md):
sources -> decode -> track -> flights -> store -> api / web / alerts / outputs.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
