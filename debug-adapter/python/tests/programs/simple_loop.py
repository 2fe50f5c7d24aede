def add(a, b):
    total = a + b
    return total


def main():
    values = []
    for i in range(3):
        values.append(add(i, 10))
    print(values)


main()
