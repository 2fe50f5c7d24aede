def divide(a, b):
    return a / b  # RAISE


def main():
    values = [1, 2, 0]
    return [divide(10, v) for v in values]


main()
