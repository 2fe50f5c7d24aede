"""A second thread computing while the main thread waits for it."""
import threading


def spin(box):
    total = 0
    while not box:  # LOOP
        total += 1  # SPIN
    return total  # AFTER


box = []
worker = threading.Thread(target=spin, args=(box,), name='spinner')
worker.start()
worker.join(30)
