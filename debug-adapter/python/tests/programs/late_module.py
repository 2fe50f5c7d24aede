"""Imported late by late_import.py: its breakpoint must stop although nothing traced before."""


def work(count):
    total = sum(range(count))  # BREAK
    return total
