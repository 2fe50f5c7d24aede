"""Exceptions whose text the debugger must bound or cannot read: a 5 MB message, a __str__ that raises."""


class BadStr(Exception):
    def __str__(self):
        raise RuntimeError('no str for you')


def fail(kind):
    if kind == 'huge':
        raise ValueError('x' * 5000000)  # HUGE
    raise BadStr()  # BAD


try:
    fail('huge')
except ValueError:
    pass
fail('bad')
