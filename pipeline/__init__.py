"""Plainspoken: clinic articles into accessible pages, handouts and audio, in many languages."""

__version__ = "0.1.0"
