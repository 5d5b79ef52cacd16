# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The replay tests' checks: each one passes, or prints a FAIL line; the
closing "N passed, N failed" line is what tests/run.sh sums."""

passed = failed = 0


def check(name, what, got, want):
    global passed, failed
    if got == want:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {what}: got {got!r}, expected {want!r}")


def summary():
    """Prints the closing line; the exit status follows the checks."""
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
