class Broken:
    def __repr__(self):
        raise RuntimeError('no repr for you')


class Hostile:
    """What a value may do to the debugger that shows it: raise anything from __repr__, __class__."""
    def __repr__(self):
        raise KeyboardInterrupt('from __repr__')

    @property
    def __class__(self):
        raise RuntimeError('from __class__')

    @property
    def __dict__(self):
        raise RuntimeError('from __dict__')


class CountedKey:
    """A dict key that counts how often the debugger shows it."""
    shown = 0

    def __init__(self, number):
        self.number = number

    def __repr__(self):
        CountedKey.shown += 1
        return 'key%d' % self.number


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y


def show():
    count = 5
    numbers = list(range(1000))
    mapping = {'a': 1, 'b': [1, 2]}
    point = Point(1, 2)
    broken = Broken()
    text = 'x' * 5000
    hostile = Hostile()
    counted = {CountedKey(i): i for i in range(10000)}
    tags = {'a', 'b', 'c'}
    print(count)  # STOP
    return numbers, mapping, point, broken, text, hostile, counted, tags


show()
