# SPDX-License-Identifier: GPL-2.0-or-later
"""pyenvs.py: finding the pyenv interpreter builds the end-to-end tests run
(tests/python/pytest_runner.py and tests/opcodes/run_opcode_test.py).

newest_build("3.11") -> (binary, prefix) of the newest 3.11.Z build under
$PYENV_ROOT, `pyenv root` or ~/.pyenv, the real bin/python3.11 (never
pyenv's shell shim), or None.
"""

import glob
import os
import re
import shutil
import subprocess


def pyenv_roots():
    roots = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    for pyenv in [shutil.which("pyenv"), os.path.expanduser("~/.pyenv/bin/pyenv")]:
        if pyenv and os.access(pyenv, os.X_OK):
            try:
                out = subprocess.run([pyenv, "root"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, universal_newlines=True,
                                     timeout=30).stdout.strip()
            except (OSError, subprocess.SubprocessError):
                out = ""
            if out:
                roots.append(out)
    roots.append(os.path.expanduser("~/.pyenv"))
    unique = []
    for root in roots:
        if os.path.isdir(os.path.join(root, "versions")) and root not in unique:
            unique.append(root)
    return unique


def is_elf(path):
    try:
        with open(path, "rb") as stream:
            return stream.read(4) == b"\x7fELF"
    except OSError:
        return False


def newest_build(where):
    """(binary, prefix) of the newest pyenv build of Python WHERE ("X.Y"), or None."""
    candidates = []
    for root in pyenv_roots():
        for directory in glob.glob(os.path.join(root, "versions", where + ".*")):
            match = re.match(r"^%s\.(\d+)$" % re.escape(where), os.path.basename(directory))
            binary = os.path.join(directory, "bin", "python" + where)
            if match and is_elf(binary):          # the real binary, not pyenv's shim
                candidates.append((int(match.group(1)), binary, directory))
    if not candidates:
        return None
    _, binary, prefix = max(candidates)
    return binary, prefix
