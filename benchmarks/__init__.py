"""
asv benchmarks of Django's migration commands on synthetic projects.

The benchmark modules import nothing from Django at import time: asv imports
them in a process that forks one child per benchmark, and Django's app
registry is global, so every `migrate` must start from a fresh process.
"""
