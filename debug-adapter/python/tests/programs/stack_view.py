"""Prints what a program sees of its own stack: traceback.format_stack(), len(inspect.stack()), the
deepest recursion it reaches and the recursion limit it reads, before and after setting one."""
import inspect
import json
import sys
import traceback


def deepest(level=1):
    try:
        return deepest(level + 1)
    except RecursionError:
        return level


seen = {'stack': traceback.format_stack(), 'inspect': len(inspect.stack()), 'depth': deepest(),
        'limit': sys.getrecursionlimit()}
sys.setrecursionlimit(300)
seen.update(depth_at_300=deepest(), limit_after_set=sys.getrecursionlimit())
print(json.dumps(seen))
