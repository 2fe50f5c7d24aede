"""A storage layer that looks harmless from the outside."""
from .disk import read_json


def load_settings(path):
    settings = read_json(path)
    settings.setdefault("workers", 4)
    return settings
