# make_corpus.py: writes the raw seed inputs of the fuzz targets
# (tests/fuzz/fuzz_*.c) from real data, one directory per target under
# OUTPUT.  The committed corpus, tests/fuzz/corpus/<target>/, is these
# seeds minimised by libFuzzer (see docs/fuzzing.md):
#
#   python3 tests/fuzz/make_corpus.py [--build-dir DIR] OUTPUT
#   tests/fuzz/fuzz_X -merge=1 tests/fuzz/corpus/X OUTPUT/X
#
# Seeds, by target:
#   linetable        every code object of tests/unit/data/linetables-*.txt
#                    (tables the interpreters wrote), in the target's form:
#                    format byte, first line, code size, table
#   pydebugoffsets   tests/unit/data/debug-offsets-X.Y.txt (the tables real
#                    interpreters hold), alone and padded to the 1024
#                    bytes the tool reads
#   pylayout         `pyprofgrind-inspect --known X.Y` for every known
#                    release, and `--layout` (and `--layout --release`) of
#                    the libpython of every pyenv interpreter installed
#   cgparse          tests/e2e/data/*.out, and profiles the built tool
#                    writes of a five-line script under the pyenv
#                    interpreters installed (toggled to one function, in
#                    several output modes), cut to whole function blocks
#                    of at most PROFILE_BYTES
# What needs the built tree (DIR, default the current directory) or pyenv
# is skipped with a note when missing.  Paths of this machine (the home
# directory, build and temporary directories) are replaced in text seeds,
# so that the committed corpus names none.
#
# SPDX-License-Identifier: GPL-2.0-or-later

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
UNIT_DATA = os.path.join(SOURCE_DIR, "tests", "unit", "data")
E2E_DATA = os.path.join(SOURCE_DIR, "tests", "e2e", "data")

# PgLineTableFormat values (pyprofgrind/pg_pylayout.h) by the names the
# line-table data files use.
LINE_FORMATS = {
    "lnotab-unsigned": 1,
    "lnotab-signed": 2,
    "linetable-310": 3,
    "locations-311": 4,
}

KNOWN_RELEASES = ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12",
                  "3.13"]
PYENV_VERSIONS = ["2.7.18", "3.6.15", "3.7.16", "3.8.18", "3.9.18",
                  "3.10.13", "3.11.7", "3.12.1", "3.13.0"]
PROFILED_VERSIONS = ["2.7.18", "3.11.7", "3.12.1", "3.13.0"]

# A profile seed larger than this is cut (libFuzzer mutates small inputs
# much faster, and the corpus stays small).
PROFILE_BYTES = 24 * 1024
DEBUG_OFFSETS_READ_SIZE = 1024

TINY_SCRIPT = """def f(n):
    return n + 1
def g():
    return [f(i) for i in range(3)]
g()
"""

# (file suffix, extra tool options): output modes whose profiles differ in
# form (positions, name compression, opcode family lines).
PROFILE_MODES = [
    ("plain", []),
    ("pyview", ["--python-view=python", "--compress-pos=no"]),
    ("instr", ["--dump-instr=yes", "--compress-strings=no"]),
    ("opcodes", ["--python-opcodes=yes"]),
    ("opbase", ["--python-opcodes=base"]),
]


def note(text):
    sys.stderr.write("make_corpus.py: %s\n" % text)


def write_seed(directory, data):
    """Stores DATA under its SHA-1, as libFuzzer names corpus files."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, hashlib.sha1(data).hexdigest())
    with open(path, "wb") as stream:
        stream.write(data)


def scrub_paths(text, extra_dirs):
    """Replaces this machine's directories in TEXT by neutral ones."""
    for directory in sorted(extra_dirs, key=len, reverse=True):
        text = text.replace(directory, "/src/example")
    home = os.path.expanduser("~")
    text = text.replace(home + "/.pyenv/versions/", "/opt/python/")
    text = re.sub(r"/tmp/python-build\.[0-9.]+/", "/usr/src/", text)
    if home not in ("", "/"):
        text = text.replace(home, "/home/user")
    return text


def linetable_seeds(out):
    count = 0
    for name in sorted(os.listdir(UNIT_DATA)):
        if not (name.startswith("linetables-") and name.endswith(".txt")):
            continue
        with open(os.path.join(UNIT_DATA, name)) as stream:
            for line in stream:
                words = line.split()
                if not words or words[0] != "code":
                    continue
                # code PATH FORMAT FIRST_LINE CODE_SIZE HEX
                _, _, format_name, first_line, code_size, hex_table = words[:6]
                header = bytes([LINE_FORMATS[format_name]])
                header += int(first_line).to_bytes(4, "little", signed=True)
                header += int(code_size).to_bytes(4, "little")
                # "-" is an empty table.
                table = b"" if hex_table == "-" else bytes.fromhex(hex_table)
                write_seed(out, header + table)
                count += 1
    note("linetable: %d code objects" % count)


def debug_offsets_seeds(out):
    count = 0
    for name in sorted(os.listdir(UNIT_DATA)):
        if not (name.startswith("debug-offsets-") and name.endswith(".txt")):
            continue
        with open(os.path.join(UNIT_DATA, name)) as stream:
            table = bytes.fromhex("".join(line.strip() for line in stream
                                          if not line.startswith("#")))
        write_seed(out, table)
        write_seed(out, table + bytes(max(0, DEBUG_OFFSETS_READ_SIZE - len(table))))
        count += 1
    note("pydebugoffsets: %d table(s), alone and padded" % count)


def run(command, **kwargs):
    return subprocess.run(command, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, timeout=600, **kwargs)


def pyenv_prefix(version):
    if shutil.which("pyenv") is None:
        return None
    result = run(["pyenv", "prefix", version])
    prefix = result.stdout.decode().strip()
    return prefix if result.returncode == 0 and os.path.isdir(prefix) else None


def libpython_of(prefix):
    lib = os.path.join(prefix, "lib")
    for name in sorted(os.listdir(lib)) if os.path.isdir(lib) else []:
        if name.startswith("libpython") and ".so." in name:
            return os.path.join(lib, name)
    return None


def layout_seeds(out, build_dir):
    inspector = os.path.join(build_dir, "inspect", "pyprofgrind-inspect")
    if not os.access(inspector, os.X_OK):
        note("pylayout: no %s (build first): skipped" % inspector)
        return
    count = 0
    for release in KNOWN_RELEASES:
        result = run([inspector, "--known", release])
        if result.returncode == 0:
            write_seed(out, scrub_paths(result.stdout.decode(), []).encode())
            count += 1
    for version in PYENV_VERSIONS:
        prefix = pyenv_prefix(version)
        library = libpython_of(prefix) if prefix else None
        if library is None:
            continue
        for extra in ([], ["--release"]):
            result = run([inspector, "--layout"] + extra + [library])
            if result.returncode == 0:
                write_seed(out, scrub_paths(result.stdout.decode(), []).encode())
                count += 1
    note("pylayout: %d layouts" % count)


def cut_profile(text, limit):
    """TEXT cut to its header and the whole blocks (separated by blank
    lines) that fit in LIMIT bytes.  A cut profile loses its "summary:"
    and "totals:" lines, which its costs would no longer match, so that
    it is still one the parser accepts."""
    if len(text) <= limit:
        return text
    blocks = text.split("\n\n")
    kept = []
    size = 0
    for block in blocks:
        if kept and size + len(block) + 2 > limit:
            break
        kept.append(block)
        size += len(block) + 2
    lines = "\n\n".join(kept).split("\n")
    lines = [line for line in lines
             if not line.startswith(("summary:", "totals:"))]
    return "\n".join(lines) + "\n"


def profile_seeds(out, build_dir):
    count = 0
    for name in sorted(os.listdir(E2E_DATA)):
        if name.endswith(".out"):
            with open(os.path.join(E2E_DATA, name), "rb") as stream:
                write_seed(out, stream.read())
            count += 1
    launcher = os.path.join(build_dir, "vg-in-place")
    if not os.access(launcher, os.X_OK):
        note("cgparse: no %s (build first): real profiles skipped" % launcher)
    else:
        work = tempfile.mkdtemp(prefix="pyprofgrind-corpus-")
        try:
            script = os.path.join(work, "tiny.py")
            with open(script, "w") as stream:
                stream.write(TINY_SCRIPT)
            for version in PROFILED_VERSIONS:
                prefix = pyenv_prefix(version)
                if prefix is None:
                    continue
                python = os.path.join(prefix, "bin",
                                      "python" + ".".join(version.split(".")[:2]))
                for suffix, options in PROFILE_MODES:
                    profile = os.path.join(work, "%s-%s.out" % (version, suffix))
                    run([launcher, "--tool=pyprofgrind", "--collect-atstart=no",
                         "--toggle-collect=g",
                         "--pyprofgrind-out-file=" + profile] + options
                        + [python, "tiny.py"], cwd=work)
                    if not os.path.exists(profile):
                        continue
                    with open(profile) as stream:
                        text = stream.read()
                    text = scrub_paths(text, [work])
                    write_seed(out, cut_profile(text, PROFILE_BYTES).encode())
                    count += 1
        finally:
            shutil.rmtree(work)
    note("cgparse: %d profiles" % count)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build-dir", default=".",
                        help="the built tree (default: the current directory)")
    parser.add_argument("output", help="directory to write <target>/ seeds into")
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    linetable_seeds(os.path.join(args.output, "linetable"))
    debug_offsets_seeds(os.path.join(args.output, "pydebugoffsets"))
    layout_seeds(os.path.join(args.output, "pylayout"), build_dir)
    profile_seeds(os.path.join(args.output, "cgparse"), build_dir)


main()
