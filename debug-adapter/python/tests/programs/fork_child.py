"""Parent and child both run `work()`, which has a breakpoint: only the parent may stop in it; the
forked child runs free of the debugger (no link, no tracing) and must never hang."""
import os
import sys


def work(who):
    return 'work done by %s' % who  # WORK


pid = os.fork()
if pid == 0:
    print(work('child'), flush=True)
    os._exit(0)
_, status = os.waitpid(pid, 0)
print(work('parent'), 'child exit', status >> 8, flush=True)
