"""Reads and sets the recursion limit, with the errors setrecursionlimit raises, and recurses."""
import sys


def deepest(level=1):
    try:
        return deepest(level + 1)
    except RecursionError:
        return level


def set_below_depth(depth=0):
    if depth < 45:
        return set_below_depth(depth + 1)
    sys.setrecursionlimit(40)


print(sys.getrecursionlimit(), sys.setrecursionlimit.__name__, sys.getrecursionlimit.__module__)
for limit in ('x', 0, -1, 2 ** 40, 50):
    try:
        sys.setrecursionlimit(limit)
    except Exception as error:
        print(type(error).__name__, error)
print(sys.getrecursionlimit(), deepest())
sys.setrecursionlimit(1000)
try:
    set_below_depth()
except RecursionError as error:
    print(error)
print(sys.getrecursionlimit(), deepest())
