import atexit
import sys

atexit.register(lambda: sys.stdout.write('flushed at exit'))  # buffered: lost unless flushed before the signal


def stop():
    raise KeyboardInterrupt


stop()
