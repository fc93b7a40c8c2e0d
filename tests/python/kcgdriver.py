#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""kcgdriver.py: open a profile in the real KCacheGrind, headless, and read
back what it computed.

KCacheGrind has no batch mode and exports nothing on D-Bus, but two things
of its own make it scriptable without clicking:
  * its configuration file restores, for any profile, the function that
    was active and the tabs that were shown (the groups "MainView-TabView-1"
    with ActiveItemName, ActiveTop and ActiveBottom), so a kcachegrindrc
    written beforehand opens the profile on a chosen function and view;
  * its call graph view lays its graph out by piping a graph description to
    `dot -Tplain` found on PATH, and that description labels every node
    with KCacheGrind's own name for the function ("NAME <cycle N>" for a
    member of a cycle) and its inclusive cost, and every edge with the
    call's cost and count.  A `dot` placed first on PATH keeps a copy of it
    and runs the real one.
So: Xvfb (its own display, picked with -displayfd), a session D-Bus
(dbus-daemon; KCacheGrind exits without one), KCacheGrind with
XDG_CONFIG_HOME pointing at the prepared configuration; wait for the
graph; optionally take a screenshot of the screen (ImageMagick's `import`),
which holds nothing but KCacheGrind's window, placed at 0,0 with the
screen's size; stop the three processes it started, by their ids.

open_profile() returns a View: the parsed graph (nodes: name -> (cycle or
None, inclusive); edges: (caller, callee) -> (cost, calls)), KCacheGrind's
standard error, and the loader's messages found in it ("Loading FILE :
LINE : MESSAGE" for the warnings and errors of its callgrind loader).

Used by tests/python/kcachegrind.py and scripts/kcachegrind-screenshots.py.
Needs the Debian packages kcachegrind, xvfb, dbus-daemon and graphviz
(`dot`); imagemagick for screenshots.
"""

import os
import re
import shutil
import subprocess
import time

DOT_WRAPPER = r"""#!/bin/sh
# kcgdriver.py's dot: keeps what KCacheGrind sends to dot, then runs dot.
n=0
while [ -e "$KCG_CAPTURE/graph.$n.gv" ] || [ -e "$KCG_CAPTURE/graph.$n.part" ]; do n=$((n + 1)); done
tee "$KCG_CAPTURE/graph.$n.part" | "$KCG_REAL_DOT" "$@"
status=$?
mv "$KCG_CAPTURE/graph.$n.part" "$KCG_CAPTURE/graph.$n.gv"
exit $status
"""

NODE_RE = re.compile(r'^\s*(F[0-9a-f]+) \[(?:shape=box,)?label="(?:\*\* )?(.*?)(?: \*\*)?\\n(?:\*\*\\n)?([\d ,.\']+)"\];$')
EDGE_RE = re.compile(r'^\s*(F[0-9a-f]+) -> (F[0-9a-f]+) \[.*label="([\d ,.\']+) \(([\d ,.\']+)x\)"')
CYCLE_RE = re.compile(r"^(.*?) ?<cycle (\d+)>$")
LOADER_RE = re.compile(r'^(Loading "[^"]*" : -?\d+ :.*|Error loading .*|.*Skipping file.*)$')


class KcgError(Exception):
    pass


def missing_programs(screenshots=False):
    """The programs this driver needs that are not on PATH."""
    needed = ["kcachegrind", "Xvfb", "dbus-daemon", "dot"] + (["import"] if screenshots else [])
    return [p for p in needed if shutil.which(p) is None]


def number(text):
    return int(re.sub(r"[^\d]", "", text))


def parse_graph(text):
    """(nodes, edges) of KCacheGrind's graph description: nodes maps a
    function name to (cycle number or None, inclusive cost); a cycle itself
    is named "<cycle N>"; edges maps (caller name, callee name) to
    (cost, calls)."""
    names, nodes, edges = {}, {}, {}
    for line in text.splitlines():
        match = NODE_RE.match(line)
        if match:
            ident, label, cost = match.groups()
            label = label.rstrip("_") if len(label) <= 8 else label
            cycle = CYCLE_RE.match(label)
            if cycle and cycle.group(1):
                name, cycle_number = cycle.group(1), int(cycle.group(2))
            else:
                name, cycle_number = label, None
            names[ident] = name
            nodes[name] = (cycle_number, number(cost))
            continue
        match = EDGE_RE.match(line)
        if match:
            caller, callee, cost, calls = match.groups()
            edges[(names.get(caller, caller), names.get(callee, callee))] = (number(cost), number(calls))
    return nodes, edges


class View:
    def __init__(self, graph_text, stderr, screenshot):
        self.graph_text = graph_text
        self.nodes, self.edges = parse_graph(graph_text)
        self.stderr = stderr
        self.loader_messages = [l for l in stderr.splitlines() if LOADER_RE.match(l)]
        self.screenshot = screenshot
        selected = re.findall(r'^Selected +"(.*)"$', stderr, re.M)
        self.selected = selected[-1] if selected else None


def write_config(path, function, top, bottom, tab_options=None, show_cycles=True, extra=""):
    """KCacheGrind's configuration: no tip of the day, long names, cycle
    detection on or off (SHOW_CYCLES: the toolbar's "Cycle Detection"),
    FUNCTION active with the tabs TOP and BOTTOM shown, TAB_OPTIONS
    ({key: value}) added to that group (TopSize: the upper pane's share, in
    percent), then EXTRA (more groups, as text)."""
    with open(path, "w") as out:
        out.write("[TipOfDay]\nRunOnStart=false\n\n")
        out.write("[GeneralSettings]\nMaxSymbolLength=200\nShowCycles=%s\n\n"
                  % ("true" if show_cycles else "false"))
        out.write("[MainView-TabView-1]\nActiveItemType=Function\nActiveItemName=%s\n"
                  "ActiveTop=%s\nActiveBottom=%s\n" % (function, top, bottom))
        for key, value in sorted((tab_options or {}).items()):
            out.write("%s=%s\n" % (key, value))
        out.write("\n" + extra)


def start_xvfb(width, height, log):
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp",
                             "-screen", "0", "%dx%dx24" % (width, height)],
                            pass_fds=(write_end,), stdout=log, stderr=log,
                            start_new_session=True)
    os.close(write_end)
    display = b""
    with os.fdopen(read_end, "rb") as stream:
        display = stream.readline().strip()
    if not display:
        stop(xvfb)
        raise KcgError("Xvfb did not start (see %s)" % log.name)
    return xvfb, ":" + display.decode()


def start_dbus(log):
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                           stdout=subprocess.PIPE, stderr=log, start_new_session=True)
    address = bus.stdout.readline().decode().strip()
    if not address:
        stop(bus)
        raise KcgError("dbus-daemon did not start (see %s)" % log.name)
    return bus, address


def stop(process, timeout=10):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def open_profile(profile, work, function, top="CallerView", bottom="CallGraphView",
                 width=1400, height=900, screenshot=None, settle=3.0, timeout=180,
                 tab_options=None, show_cycles=True, extra_config=""):
    """Open PROFILE in KCacheGrind with FUNCTION active and the tabs TOP and
    BOTTOM shown; wait until its call graph of FUNCTION has been laid out
    (so BOTTOM or TOP must be "CallGraphView"), SETTLE more seconds, take
    SCREENSHOT (a PNG path) if asked, and return a View.  SHOW_CYCLES
    False turns KCacheGrind's cycle detection off."""
    work = os.path.abspath(work)
    if os.path.exists(work):
        shutil.rmtree(work)
    config, capture, bin_dir, runtime = (os.path.join(work, d) for d in
                                         ("config", "capture", "bin", "runtime"))
    for d in (config, capture, bin_dir, runtime):
        os.makedirs(d)
    os.chmod(runtime, 0o700)
    write_config(os.path.join(config, "kcachegrindrc"), function, top, bottom, tab_options,
                 show_cycles, extra_config)
    real_dot = shutil.which("dot")
    if real_dot is None:
        raise KcgError("no dot on PATH (Debian package graphviz)")
    wrapper = os.path.join(bin_dir, "dot")
    with open(wrapper, "w") as out:
        out.write(DOT_WRAPPER)
    os.chmod(wrapper, 0o755)

    log = open(os.path.join(work, "x.log"), "w")
    stderr_path = os.path.join(work, "kcachegrind.stderr")
    xvfb = bus = kcg = None
    try:
        xvfb, display = start_xvfb(width, height, log)
        bus, address = start_dbus(log)
        env = {"PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": work, "DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": address,
               "XDG_CONFIG_HOME": config, "XDG_RUNTIME_DIR": runtime,
               "XDG_CACHE_HOME": os.path.join(work, "cache"),
               "XDG_DATA_HOME": os.path.join(work, "data"),
               "KCG_CAPTURE": capture, "KCG_REAL_DOT": real_dot,
               "LC_ALL": "C.UTF-8", "QT_QPA_PLATFORM": "xcb"}
        with open(stderr_path, "w") as err:
            kcg = subprocess.Popen(["kcachegrind", "-geometry", "%dx%d+0+0" % (width, height),
                                    os.path.abspath(profile)],
                                   env=env, cwd=work, stdout=err, stderr=err,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + timeout
        while not complete_graphs(capture):
            if kcg.poll() is not None:
                raise KcgError("kcachegrind exited (status %s): %s"
                               % (kcg.returncode, tail(stderr_path)))
            if time.time() > deadline:
                raise KcgError("no call graph from kcachegrind within %d s: %s"
                               % (timeout, tail(stderr_path)))
            time.sleep(0.5)
        # The first graph is of the function KCacheGrind activated; give it
        # time to draw it (and to lay out a later one, if any).
        time.sleep(settle)
        graph = find_graph(capture, function)
        if screenshot:
            subprocess.run(["import", "-display", display, "-window", "root", screenshot],
                           env=env, check=True, stdout=log, stderr=log, timeout=60)
    finally:
        stop(kcg)
        stop(bus)
        stop(xvfb)
        log.close()
    with open(stderr_path, errors="replace") as stream:
        stderr = stream.read()
    return View(graph, stderr, screenshot)


def complete_graphs(capture):
    return sorted((n for n in os.listdir(capture) if n.endswith(".gv")),
                  key=lambda n: (len(n), n))


def find_graph(capture, function):
    """The last complete graph description in CAPTURE that has a node for
    FUNCTION, else the last one."""
    found = last = ""
    for name in complete_graphs(capture):
        with open(os.path.join(capture, name), errors="replace") as stream:
            last = stream.read()
        if function in parse_graph(last)[0]:
            found = last
    return found or last


def tail(path, lines=3):
    try:
        with open(path, errors="replace") as stream:
            return " | ".join(stream.read().splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":
    import sys
    if len(sys.argv) < 4:
        sys.exit("usage: kcgdriver.py PROFILE WORKDIR FUNCTION [SCREENSHOT.png]")
    view = open_profile(sys.argv[1], sys.argv[2], sys.argv[3],
                        screenshot=sys.argv[4] if len(sys.argv) > 4 else None)
    for name, (cycle, incl) in sorted(view.nodes.items()):
        print("node %s cycle=%s incl=%d" % (name, cycle, incl))
    for (a, b), (cost, calls) in sorted(view.edges.items()):
        print("edge %s -> %s cost=%d calls=%d" % (a, b, cost, calls))
    for line in view.loader_messages:
        print("loader: " + line)
