"""
The app whose user model a fuzzed project swaps out (runner.SWAPPABLE_SETTING),
as django.contrib.auth's User is in a project with a custom user model.
"""
