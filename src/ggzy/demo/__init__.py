"""Demo data (seed.py), the scripted demo (play.py) and the demo-only movable clock."""
