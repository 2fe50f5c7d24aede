"""Counts until a stop file appears (argv[1]), then exits with 4."""
import os
import sys
import time


def tick(count):
    return count + 1  # TICK


count = 0
while not os.path.exists(sys.argv[1]):
    count = tick(count)
    time.sleep(0.01)
print('ticks', count > 0)
sys.exit(4)
