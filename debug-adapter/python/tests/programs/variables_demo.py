class Broken:
    def __repr__(self):
        raise RuntimeError('no repr for you')


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
    print(count)  # STOP
    return numbers, mapping, point, broken, text


show()
