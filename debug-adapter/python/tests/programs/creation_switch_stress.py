"""Three threads, each with its own event loop, create tasks without pause while the test turns task
creation stacks on and off many times: from one coroutine frame over and over (on 3.12+ that frame
gets held), from loop callbacks (the frames of the loop run), and from a helper that raises right
after (its frame unwinds). Every task stays alive; its name and the monotonic time just before and
just after its creation go to RESULTS (a JSON file) once STOP exists; then the main thread stops at
CHECK. Any exception the program sees is written there too: the agent must cause none.

argv: RESULTS STOP READY"""
import asyncio
import json
import os
import sys
import threading
import time

RESULTS, STOP, READY = sys.argv[1:4]
THREADS = 3
created = {}  # task name -> [monotonic time before creation, after]
failures = []
loops = []
all_made = threading.Barrier(THREADS + 1)
finish = threading.Event()


async def parked():
    await asyncio.sleep(3600)


def timed(name, create):
    before = time.monotonic()
    create()
    created[name] = [before, time.monotonic()]


def create_then_raise(loop, name):
    timed(name, lambda: loop.create_task(parked(), name=name))
    raise LookupError(name)


async def create_all(number):
    loop = asyncio.get_running_loop()
    kept = []
    made = 0
    while not os.path.exists(STOP):
        for _ in range(4):  # several from this very frame: on 3.12+ it is held
            name = 'direct-%d-%d' % (number, made)
            timed(name, lambda: kept.append(asyncio.create_task(parked(), name=name)))
            made += 1
        name = 'callback-%d-%d' % (number, made)
        loop.call_soon(timed, name, lambda name=name: kept.append(loop.create_task(parked(), name=name)))
        made += 1
        try:
            create_then_raise(loop, 'unwound-%d-%d' % (number, made))
        except LookupError:
            pass
        made += 1
        if number == 0 and made >= 60 and not os.path.exists(READY):
            open(READY, 'w').close()
        await asyncio.sleep(0.003)
    await asyncio.sleep(0)  # the last callback runs
    kept.extend(task for task in asyncio.all_tasks() if task.get_name().startswith('unwound-%d-' % number))
    all_made.wait()
    while not finish.is_set():
        await asyncio.sleep(0.01)
    for task in kept:
        task.cancel()
    await asyncio.gather(*kept, return_exceptions=True)


def run_loop(number):
    try:
        asyncio.run(create_all(number))
    except BaseException as error:  # the test fails on any
        failures.append('%s: %r' % (threading.current_thread().name, error))
        all_made.abort()


threads = [threading.Thread(target=run_loop, args=(number,), name='loop-%d' % number) for number in range(THREADS)]
for thread in threads:
    thread.start()
try:
    all_made.wait(timeout=60)
except threading.BrokenBarrierError:
    pass
with open(RESULTS, 'w') as results:
    json.dump({'created': created, 'failures': failures}, results)
pass  # CHECK
finish.set()
for thread in threads:
    thread.join()
print('tasks made: %d' % len(created))
