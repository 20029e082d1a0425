"""The synthetic demo corpus of 12345 appeals (see generate.py and docs/hotline.md)."""
