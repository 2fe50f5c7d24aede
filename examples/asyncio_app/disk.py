"""Synchronous file helpers: fine in threads, blocking inside a coroutine."""
import json


def read_json(path):
    with open(path) as handle:
        return json.load(handle)
