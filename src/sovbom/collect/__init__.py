"""Collectors: one module per source of inventory (see :mod:`sovbom.collect.interface`)."""
