"""Code that is already running when breakpoints arrive: a thread spinning in one long call, a
coroutine suspended in its loop. Each creates a file (stop file + '.spinning' / '.polling') once it
runs; both end when the stop file (argv[1]) appears."""
import asyncio
import os
import sys
import threading

stop_file = sys.argv[1]


def spin():
    turns = 0
    open(stop_file + '.spinning', 'w').close()
    while not os.path.exists(stop_file):
        turns += 1  # SPIN
    return turns


async def poll():
    polls = 0
    open(stop_file + '.polling', 'w').close()
    while not os.path.exists(stop_file):
        await asyncio.sleep(0.01)
        polls += 1  # POLL
    return polls


spinner = threading.Thread(target=spin, name='spinner')
spinner.start()
polls = asyncio.run(poll())
spinner.join()
print('done', polls > 0)
