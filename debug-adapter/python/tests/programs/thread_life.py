"""Two short-lived threads, one after the other (the second may reuse the first one's ident), then
main stops at checkpoint() and prints what the threads did."""
import threading

results = []


def checkpoint():
    pass


def work(n):
    results.append(n * n)


for n in (3, 4):
    worker = threading.Thread(target=work, args=(n,), name='worker-%d' % n)
    worker.start()
    worker.join()
checkpoint()  # MARK: CHECKPOINT
print('results %s, threads %d' % (results, threading.active_count()))
