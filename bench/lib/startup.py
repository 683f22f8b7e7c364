#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Start-up time to "ready" and idle RSS of a network helper, RUNS times (run inside the bench's host namespace).
#
#   startup.py slirp RUNS -- CMD...    slirp4netns-style: ready fd 3, exit fd 4 (CMD names them)
#   startup.py pasta RUNS PIDFILE -- CMD...   pasta: ready when the launching process exits
#
# For each run: the time from spawning CMD to its ready signal ("1" on fd 3;
# for pasta, the parent's exit after it daemonised), then VmRSS 0.5 s later
# (idle: nothing is sent through it), then a clean stop (exit fd closed, or
# SIGTERM to the PID pasta wrote). Every process started here is stopped by
# PID, also on SIGTERM/SIGINT. Prints one JSON object with the medians and samples.
import json
import os
import signal
import statistics
import sys
import time

children = []
LOG = os.environ.get("SF_STARTUP_LOG", "/dev/null")  # the helpers' stderr


def rss_kib(pid, key="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return None


def stop_all(*_):
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    sys.exit(1)


def wait_gone(pid, seconds, child=True):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if child:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                return True
        else:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
        time.sleep(0.01)
    return False


def high(fd):
    import fcntl
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return new


def spawn(cmd, actions):
    """posix_spawn with default signal dispositions and an empty mask, as a shell would start it."""
    sigs = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]
    return os.posix_spawn(cmd[0], cmd, os.environ, file_actions=actions, setsigmask=(), setsigdef=sigs)


def run_slirp(cmd):
    r, w = os.pipe()
    er, ew = os.pipe()
    r, w, er, ew = high(r), high(w), high(er), high(ew)
    actions = [(os.POSIX_SPAWN_DUP2, w, 3), (os.POSIX_SPAWN_DUP2, er, 4),
               (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)]
    t0 = time.perf_counter()
    pid = spawn(cmd, actions)
    children.append(pid)
    os.close(w)
    os.close(er)
    got = os.read(r, 1)
    t1 = time.perf_counter()
    os.close(r)
    if got != b"1":
        raise SystemExit("startup.py: %s did not signal ready" % cmd[0])
    time.sleep(0.5)
    rss = rss_kib(pid)
    os.close(ew)  # the exit fd hangs up: a clean stop
    if not wait_gone(pid, 5):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    children.remove(pid)
    return (t1 - t0) * 1000.0, rss


def run_pasta(pidfile, cmd):
    try:
        os.unlink(pidfile)
    except FileNotFoundError:
        pass
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
               (os.POSIX_SPAWN_OPEN, 2, LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)]
    t0 = time.perf_counter()
    pid = spawn(cmd, actions)
    children.append(pid)
    _, status = os.waitpid(pid, 0)
    t1 = time.perf_counter()
    children.remove(pid)
    if status != 0:
        try:
            sys.stderr.write(open(LOG).read()[-2000:])
        except OSError:
            pass
        raise SystemExit("startup.py: %s failed (status %d)" % (cmd[0], status))
    with open(pidfile) as f:
        dpid = int(f.read().strip())
    children.append(dpid)
    time.sleep(0.5)
    rss = rss_kib(dpid)
    os.kill(dpid, signal.SIGTERM)
    if not wait_gone(dpid, 5, child=False):
        os.kill(dpid, signal.SIGKILL)
        wait_gone(dpid, 5, child=False)
    children.remove(dpid)
    return (t1 - t0) * 1000.0, rss


def main():
    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    kind, runs = sys.argv[1], int(sys.argv[2])
    rest = sys.argv[3:]
    pidfile = None
    if kind == "pasta":
        pidfile, rest = rest[0], rest[1:]
    if not rest or rest[0] != "--":
        raise SystemExit("usage: startup.py slirp|pasta RUNS [PIDFILE] -- CMD...")
    cmd = rest[1:]
    times, rss = [], []
    for _ in range(runs):
        t, r = run_slirp(cmd) if kind == "slirp" else run_pasta(pidfile, cmd)
        times.append(round(t, 2))
        rss.append(r)
        time.sleep(0.1)
    print(json.dumps({"startup_ms": statistics.median(times), "idle_rss_kib": statistics.median(rss),
                      "startup_samples": times, "rss_samples": rss}))


if __name__ == "__main__":
    main()
