# helper_coroutines.py: imported by features.py on Python 3.7+ only (not
# run on its own): asyncio coroutines.  run() drives main() with
# asyncio.run(); main() gathers four ticker() coroutines, each awaits
# asyncio.sleep(0) (a suspension: the coroutine's frame is resumed by the
# event loop) ten times and awaits a sub-coroutine (scaled()) between
# suspensions; an async generator (countup) is iterated with async for.
# Only zero-length sleeps: no timers, so the event loop's work does not
# depend on time.
#
# SPDX-License-Identifier: GPL-2.0-or-later
import asyncio

TICKERS = 4
TICKS = 10

def compute(i):
    return (i * i + 7) % 97


async def scaled(value, factor):
    await asyncio.sleep(0)
    return value * factor


async def ticker(index, ticks):
    total = 0
    for i in range(ticks):
        await asyncio.sleep(0)
        total += await scaled(compute(i + index), index + 1)
    return total


async def countup(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def main():
    results = await asyncio.gather(*[ticker(i, TICKS) for i in range(TICKERS)])
    counted = 0
    async for value in countup(12):
        counted += value
    return results, counted


def run():
    results, counted = asyncio.run(main())
    return "tickers %s, counted %d" % (" ".join(str(r) for r in results), counted)
