"""Benchmarks that print figures: ``python -m bench`` runs every ``*_bench.py`` module's ``main()``."""
