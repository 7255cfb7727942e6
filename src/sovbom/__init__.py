"""sovbom: hardware and software bills of materials for sovereign servers."""

__version__ = "0.1.0"
