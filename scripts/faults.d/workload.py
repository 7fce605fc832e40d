#!/usr/bin/python3
"""The fault harness' client side (run by scripts/faults, one process per role, inside a network namespace).

  writer   unique-element SADDs through one proxy; every operation ends ok, fail or unknown
  observer ROLE of every Redis node every few ms, from a host no fault touches; logs each change
  leader-freeze   SIGSTOPs the leading monitor's process as soon as its proxy applies a new epoch
  check    Jepsen's set checker over the writers' logs, the observer's log and the final read

Outcomes, as Jepsen's set workload has them:
  ok       the proxy answered :1 (acknowledged)
  fail     an error that means the write was never applied (held and refused, READONLY, NOREPLICAS, ...)
  unknown  anything else: a timeout, a broken connection, -UNCERTAIN; it may or may not have been applied
"""
import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.request

import redis

SET_KEY = "faults:set"

# Errors that say the write was not applied. Anything else is an unknown outcome, never a failure.
DEFINITE_FAILURES = (
    "ERR redis-failover: no master available",
    "ERR redis-failover: too many requests",
    "NOREPLICAS",
    "READONLY",
    "ERR max number of clients",
)


def now_ms():
    return time.time() * 1000.0


def classify_error(error):
    """fail for an error that proves the write had no effect, else unknown."""
    if isinstance(error, redis.exceptions.ReadOnlyError):
        return "fail", "READONLY"
    text = str(error)
    for prefix in DEFINITE_FAILURES:
        if text.startswith(prefix) or text.startswith(prefix.split(" ", 1)[-1]):
            return "fail", text
    return "unknown", text


def run_until_stopped(threads, ready_file):
    """Starts the threads, says so in ready_file, and waits for them (they end on the stop file)."""
    for t in threads:
        t.start()
    open(ready_file, "w").close()
    for t in threads:
        t.join()


def writer(args):
    """Threads of sequential SADDs of unique integers; each thread logs `element outcome invoked completed`."""
    results = [[] for _ in range(args.threads)]
    errors = {}
    errors_lock = threading.Lock()

    def run(index):
        client = redis.Redis(host=args.host, port=args.port, socket_timeout=args.timeout_s, socket_connect_timeout=1.0,
                             single_connection_client=True)
        base = (args.prefix * 100 + index) * 10_000_000
        log = results[index]
        counter = 0
        next_check = 0.0
        while counter < 10_000_000 - 1:
            if time.monotonic() >= next_check:
                if os.path.exists(args.stop):
                    break
                next_check = time.monotonic() + 0.1
            counter += 1
            element = base + counter
            invoked = now_ms()
            try:
                reply = client.sadd(SET_KEY, element)
                outcome, detail = ("ok", None) if reply == 1 else ("unknown", "reply %r" % reply)
            except redis.exceptions.ResponseError as e:
                outcome, detail = classify_error(e)
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as e:
                outcome, detail = "unknown", type(e).__name__ + ": " + str(e)
                try:
                    client.close()
                except Exception:
                    pass
                client = redis.Redis(host=args.host, port=args.port, socket_timeout=args.timeout_s, socket_connect_timeout=1.0,
                                     single_connection_client=True)
            completed = now_ms()
            log.append("%d %s %.1f %.1f" % (element, outcome, invoked, completed))
            if detail is not None:
                key = outcome + ": " + detail[:90]
                with errors_lock:
                    errors[key] = errors.get(key, 0) + 1
            time.sleep(args.interval_ms / 1000.0)

    run_until_stopped([threading.Thread(target=run, args=(i,), daemon=True) for i in range(args.threads)], args.ready)
    with open(args.out, "w") as out:
        for log in results:
            out.write("\n".join(log))
            if log:
                out.write("\n")
    with open(args.out + ".errors", "w") as out:
        json.dump(errors, out, indent=1, sort_keys=True)


def observer(args):
    """One thread per node asks ROLE every interval and logs `time node role` whenever the answer changes."""
    nodes = args.nodes.split(",")
    lines = []
    lock = threading.Lock()

    def watch(node):
        host, port = node.rsplit(":", 1)
        client = redis.Redis(host=host, port=int(port), socket_timeout=0.2, socket_connect_timeout=0.2, single_connection_client=True)
        last = None
        while not os.path.exists(args.stop):
            try:
                role = client.execute_command("ROLE")
                name = role[0].decode() if isinstance(role[0], bytes) else str(role[0])
            except Exception:
                name = "down"
                try:
                    client.close()
                except Exception:
                    pass
                client = redis.Redis(host=host, port=int(port), socket_timeout=0.2, socket_connect_timeout=0.2,
                                     single_connection_client=True)
            if name != last:
                with lock:
                    lines.append("%.1f %s %s" % (now_ms(), node, name))
                last = name
            time.sleep(args.interval_ms / 1000.0)

    run_until_stopped([threading.Thread(target=watch, args=(n,), daemon=True) for n in nodes], args.ready)
    with open(args.out, "w") as out:
        out.write("\n".join(sorted(lines, key=lambda l: float(l.split()[0]))) + "\n")


def ready_epoch(admin):
    try:
        with urllib.request.urlopen("http://%s/ready" % admin, timeout=0.5) as response:
            return json.loads(response.read())["epoch"]
    except urllib.error.HTTPError as e:
        return json.loads(e.read())["epoch"]
    except Exception:
        return None


def is_leader(admin):
    try:
        with urllib.request.urlopen("http://%s/metrics" % admin, timeout=1) as response:
            for line in response.read().decode().splitlines():
                if line.startswith("redis_failover_monitor_leader "):
                    return float(line.split()[1]) == 1.0
    except Exception:
        pass
    return False


def leader_freeze(args):
    """Finds the leading monitor among admin=pid pairs, waits until its proxy applies a newer epoch (the leader
    has just written 'no master'), then SIGSTOPs that process for --freeze-s and SIGCONTs it."""
    pairs = [p.split("=") for p in args.members.split(",")]
    deadline = time.monotonic() + 30
    leader = None
    while leader is None and time.monotonic() < deadline:
        leader = next(((admin, int(pid)) for admin, pid in pairs if is_leader(admin)), None)
        if leader is None:
            time.sleep(0.1)
    if leader is None:
        print("leader-freeze: no leader found", file=sys.stderr)
        sys.exit(1)
    admin, pid = leader
    start = ready_epoch(admin)
    open(args.ready, "w").close()
    deadline = time.monotonic() + args.wait_s
    while time.monotonic() < deadline:
        epoch = ready_epoch(admin)
        if epoch is not None and start is not None and epoch > start:
            os.kill(pid, signal.SIGSTOP)
            frozen_at = now_ms()
            with open(args.out, "w") as out:
                out.write("%s %d %.1f %d\n" % (admin, pid, frozen_at, epoch))
            time.sleep(args.freeze_s)
            os.kill(pid, signal.SIGCONT)
            return
        time.sleep(0.002)
    print("leader-freeze: the leader's epoch never moved past %s" % start, file=sys.stderr)


def read_ops(paths):
    ops = []
    for path in paths:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 4:
                    ops.append((int(parts[0]), parts[1], float(parts[2]), float(parts[3])))
    return ops


def check(args):
    """Jepsen's set checker. Prints one JSON object with the figures, and whether the scenario's bounds hold."""
    ops = read_ops(args.ops)
    attempted = {e for e, _, _, _ in ops}
    acked = {e: (ti, tc) for e, o, ti, tc in ops if o == "ok"}
    unknown = {e for e, o, _, _ in ops if o == "unknown"}
    failed = sum(1 for _, o, _, _ in ops if o == "fail")
    host, port = args.master.rsplit(":", 1)
    final = {int(m) for m in redis.Redis(host=host, port=int(port), socket_timeout=30).smembers(SET_KEY)}
    lost = {e: t for e, t in acked.items() if e not in final}
    unexpected = final - attempted
    recovered = unknown & final
    promoted_at = None
    with open(args.roles) as f:
        for line in f:
            t, node, role = line.split()
            if float(t) >= args.fault_at and node != args.original_master and role == "master":
                promoted_at = float(t)
                break
    after_promotion = sum(1 for ti, tc in lost.values() if promoted_at is not None and tc > promoted_at)
    window = (max(tc for _, tc in lost.values()) - min(ti for ti, _ in lost.values())) if lost else 0.0
    result = {
        "acknowledged": len(acked),
        "lost": len(lost),
        "lost_window_ms": round(window),
        "acked_after_promotion": after_promotion,
        "unknown": len(unknown),
        "recovered": len(recovered),
        "failed": failed,
        "unexpected": len(unexpected),
        "new_master_ms": None if promoted_at is None else round(promoted_at - args.fault_at),
        "final_master": args.master,
    }
    violations = []
    if after_promotion > 0:
        violations.append("%d writes acknowledged after a replica was promoted were lost (two masters)" % after_promotion)
    if unexpected:
        violations.append("%d elements nobody wrote" % len(unexpected))
    if args.max_lost_window_ms is not None and window > args.max_lost_window_ms:
        violations.append("lost %d acknowledged writes over %d ms (bound %d ms)" % (len(lost), window, args.max_lost_window_ms))
    if args.max_lost_window_ms is None and lost:
        violations.append("lost %d acknowledged writes (bound 0)" % len(lost))
    if args.max_new_master_ms is not None and (promoted_at is None or promoted_at - args.fault_at > args.max_new_master_ms):
        violations.append("no new master within %d ms" % args.max_new_master_ms)
    if args.no_new_master and promoted_at is not None:
        violations.append("a replica was promoted although the master never failed (%d ms after the fault)" % (promoted_at - args.fault_at))
    if args.fault_window is not None:
        start, end = args.fault_window
        during = sum(1 for ti, tc in acked.values() if ti >= start and tc <= end)
        result["acked_during_fault"] = during
        if args.min_acked_during_fault is not None and during < args.min_acked_during_fault:
            violations.append("%d writes acknowledged during the fault (at least %d expected)" % (during, args.min_acked_during_fault))
        if args.max_acked_during_fault is not None and during > args.max_acked_during_fault:
            violations.append("%d writes acknowledged during the fault (at most %d allowed)" % (during, args.max_acked_during_fault))
    result["violations"] = violations
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("writer")
    w.add_argument("--host", required=True)
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--prefix", type=int, required=True, help="makes this writer's elements unique")
    w.add_argument("--threads", type=int, default=2)
    w.add_argument("--interval-ms", type=float, default=5)
    w.add_argument("--timeout-s", type=float, default=2)
    w.add_argument("--out", required=True)
    w.add_argument("--stop", required=True)
    w.add_argument("--ready", required=True)
    o = sub.add_parser("observer")
    o.add_argument("--nodes", required=True)
    o.add_argument("--interval-ms", type=float, default=10)
    o.add_argument("--out", required=True)
    o.add_argument("--stop", required=True)
    o.add_argument("--ready", required=True)
    f = sub.add_parser("leader-freeze")
    f.add_argument("--members", required=True, help="admin-host:port=pid,...")
    f.add_argument("--freeze-s", type=float, default=15)
    f.add_argument("--wait-s", type=float, default=30)
    f.add_argument("--out", required=True)
    f.add_argument("--ready", required=True)
    c = sub.add_parser("check")
    c.add_argument("--ops", nargs="+", required=True)
    c.add_argument("--roles", required=True)
    c.add_argument("--master", required=True, help="the one master after healing, host:port")
    c.add_argument("--original-master", required=True)
    c.add_argument("--fault-at", type=float, required=True, help="wall-clock ms the fault began")
    c.add_argument("--max-lost-window-ms", type=float, default=None, help="absent: no acknowledged write may be lost")
    c.add_argument("--max-new-master-ms", type=float, default=None, help="a new master is due within this long of the fault")
    c.add_argument("--no-new-master", action="store_true", help="the fault must not cause a failover")
    c.add_argument("--fault-window", type=float, nargs=2, default=None, metavar=("FROM", "TO"),
                   help="wall-clock ms: counts the writes invoked and acknowledged within it")
    c.add_argument("--min-acked-during-fault", type=int, default=None)
    c.add_argument("--max-acked-during-fault", type=int, default=None)
    args = parser.parse_args()
    {"writer": writer, "observer": observer, "leader-freeze": leader_freeze, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
