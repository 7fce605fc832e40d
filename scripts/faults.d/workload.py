#!/usr/bin/python3
"""The fault harness' client side (run by scripts/faults, one process per role, inside a network namespace).

  writer   threads writing unique elements through one proxy, each thread one write shape as one kind of
           client (--mix); every operation ends ok, fail or unknown
  observer ROLE of every Redis node every few ms, from a host no fault touches; logs each change
  leader-freeze   SIGSTOPs the leading monitor's process as soon as its proxy applies a new epoch
  leader-kill     SIGKILLs every proxy process as soon as the leading monitor's proxy applies a new epoch
  check    Jepsen's set checker over the writers' logs, the observer's log and the final read

Write shapes (each adds its unique element e somewhere the final read finds it):
  sadd     SADD faults:set e                                    ok: :1
  script   EVAL of a script that SADDs e and returns nothing     ok: a null
  fcall    FCALL of a function that SADDs e and returns nothing  ok: a null
  setget   SET faults:k:e 1 GET                                  ok: a null (the key was new)
  multi    MULTI, SADD faults:set e, EXEC                        ok: [1]
  lmove    RPUSH faults:src:e e, then LMOVE it to faults:list   ok: e
  blmove   RPUSH faults:src:e e, then BLMOVE it to faults:list  ok: e
Kinds of client:
  anon      never logs in                  password  AUTH with the proxy's password
  acl       AUTH as the Redis user faults  hello3    HELLO 3 AUTH faults (a Redis user, checked by Redis)
  hello3pw  HELLO 3 AUTH default with the proxy's password
  tracking  HELLO 3, then CLIENT TRACKING ON

Outcomes, as Jepsen's set workload has them:
  ok       the proxy answered as above (acknowledged)
  fail     an error that means the write was never applied (held and refused, READONLY, NOREPLICAS, ...)
  unknown  anything else: a timeout, a broken connection, -UNCERTAIN; it may or may not have been applied
"""
import argparse
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.request

import redis

SET_KEY = "faults:set"
LIST_KEY = "faults:list"
KEY_PREFIX = "faults:k:"
SOURCE_PREFIX = "faults:src:"


def use_key_tag(tag):
    """Every key in the slot of hash tag `tag` (--key-tag: a cluster, where a move and a transaction need one slot)."""
    global SET_KEY, LIST_KEY, KEY_PREFIX, SOURCE_PREFIX
    SET_KEY, LIST_KEY, KEY_PREFIX, SOURCE_PREFIX = ("{%s}%s" % (tag, key) for key in ("set", "list", "k:", "src:"))

ACL_USER = "faults"
ACL_PASSWORD = "faults-secret"
FUNCTION = ("#!lua name=faults\n"
            "redis.register_function('faults_sadd', function(keys, args) redis.call('SADD', keys[1], args[1]) end)")
SHAPES = ("sadd", "script", "fcall", "setget", "multi", "lmove", "blmove")
CLIENTS = ("anon", "password", "acl", "hello3", "hello3pw", "tracking")

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


class RespError(Exception):
    """An error reply."""


class Resp:
    """A minimal RESP2/RESP3 client on one socket: the harness decides every byte it sends (redis-py here predates RESP3)."""

    def __init__(self, host, port, timeout_s):
        self.sock = socket.create_connection((host, port), timeout=1.0)
        self.sock.settimeout(timeout_s)
        self.file = self.sock.makefile("rb")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def call(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        while True:
            reply = self.read()
            if not isinstance(reply, Push):
                return reply  # a push (a tracking invalidation) answers no request

    def read(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("connection closed")
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b"("):
            return rest.decode()
        if kind == b"-":
            raise RespError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b",":
            return float(rest)
        if kind == b"#":
            return rest == b"t"
        if kind == b"_":
            return None
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2]
            if kind == b"!":
                raise RespError(data.decode(errors="replace"))
            return data.decode(errors="replace")
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            items = None if n < 0 else [self.read_any() for _ in range(n)]
            return Push(items) if kind == b">" else items
        if kind == b"%":
            return {self.read_any(): self.read_any() for _ in range(int(rest))}
        if kind == b"|":
            for _ in range(int(rest) * 2):
                self.read_any()
            return self.read()
        raise ConnectionError("unexpected reply type %r" % kind)

    def read_any(self):
        try:
            return self.read()
        except RespError as e:
            return e  # an error inside an aggregate (EXEC's) is a value


class NeverSent(Exception):
    """The proxy could not be reached: the write was never sent."""

    def __init__(self, cause):
        super().__init__(str(cause))
        self.cause = cause


class Push(list):
    """A RESP3 push message."""


def log_in(client, kind, proxy_password):
    """Puts a new connection in the state of its kind of client (an error here is the operation's outcome)."""
    if kind == "password":
        client.call("AUTH", proxy_password)
    elif kind == "acl":
        client.call("AUTH", ACL_USER, ACL_PASSWORD)
    elif kind == "hello3":
        client.call("HELLO", "3", "AUTH", ACL_USER, ACL_PASSWORD)
    elif kind == "hello3pw":
        client.call("HELLO", "3", "AUTH", "default", proxy_password)
    elif kind == "tracking":
        client.call("HELLO", "3")
        client.call("CLIENT", "TRACKING", "ON")


def write(client, shape, element, source):
    """One operation of `shape` adding `element`; returns (outcome, detail)."""
    if shape == "sadd":
        reply = client.call("SADD", SET_KEY, element)
        expected = 1
    elif shape == "script":
        reply = client.call("EVAL", "redis.call('SADD', KEYS[1], ARGV[1])", 1, SET_KEY, element)
        expected = None
    elif shape == "fcall":
        reply = client.call("FCALL", "faults_sadd", 1, SET_KEY, element)
        expected = None
    elif shape == "setget":
        reply = client.call("SET", KEY_PREFIX + str(element), 1, "GET")
        expected = None
    elif shape == "multi":
        client.call("MULTI")
        client.call("SADD", SET_KEY, element)
        reply = client.call("EXEC")
        if isinstance(reply, list) and reply and isinstance(reply[0], RespError):
            raise reply[0]
        expected = [1]
    else:
        client.call("RPUSH", source, element)
        if shape == "lmove":
            reply = client.call("LMOVE", source, LIST_KEY, "LEFT", "RIGHT")
        else:
            reply = client.call("BLMOVE", source, LIST_KEY, "LEFT", "RIGHT", 1)
        if reply is None:
            return "fail", "nothing to move (the RPUSH before it was lost)"  # a move that moved nothing wrote nothing
        expected = str(element)
    return ("ok", None) if reply == expected else ("unknown", "reply %r" % (reply,))


def writer(args):
    """One thread per --mix entry (shape:client); each logs `element outcome invoked completed shape client`."""
    mix = [entry.split(":") for entry in args.mix.split(",")]
    results = [[] for _ in mix]
    errors = {}
    errors_lock = threading.Lock()

    def run(index):
        shape, kind = mix[index]
        base = (args.prefix * 100 + index) * 10_000_000
        log = results[index]
        client = None
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
                if client is None:
                    try:
                        client = Resp(args.host, args.port, args.timeout_s)
                    except OSError as e:
                        raise NeverSent(e)
                    try:
                        log_in(client, kind, args.proxy_password)
                    except Exception:
                        client.close()  # never write as another kind of client: the next operation logs in again
                        client = None
                        raise
                outcome, detail = write(client, shape, element, SOURCE_PREFIX + str(element))
            except NeverSent as e:
                outcome, detail = "fail", "could not connect: " + str(e.cause)
            except RespError as e:
                outcome, detail = classify_error(e)
                if shape == "multi" and client is not None:
                    client.close()  # leave no transaction open behind an error
                    client = None
            except (ConnectionError, OSError, ValueError) as e:
                outcome, detail = "unknown", type(e).__name__ + ": " + str(e)
                if client is not None:
                    client.close()
                client = None
            completed = now_ms()
            log.append("%d %s %.1f %.1f %s %s" % (element, outcome, invoked, completed, shape, kind))
            if detail is not None:
                key = "%s:%s %s: %s" % (shape, kind, outcome, detail[:90])
                with errors_lock:
                    errors[key] = errors.get(key, 0) + 1
            time.sleep(args.interval_ms / 1000.0)

    run_until_stopped([threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(mix))], args.ready)
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
        client = None
        last = None
        while not os.path.exists(args.stop):
            try:
                if client is None:
                    # Connects here, inside the try: a node that is down when the observer reconnects stays "down".
                    client = redis.Redis(host=host, port=int(port), socket_timeout=0.2, socket_connect_timeout=0.2,
                                         single_connection_client=True)
                role = client.execute_command("ROLE")
                name = role[0].decode() if isinstance(role[0], bytes) else str(role[0])
            except Exception:
                name = "down"
                if client is not None:
                    try:
                        client.close()
                    except Exception:
                        pass
                client = None
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
    has just written 'no master'), then SIGSTOPs that process for --freeze-s and SIGCONTs it; with --kill-all,
    SIGKILLs every member's process instead (every proxy and monitor restarted mid-failover)."""
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
        if epoch is not None and start is not None and epoch > start and args.kill_all:
            for _, member in pairs:
                os.kill(int(member), signal.SIGKILL)
            with open(args.out, "w") as out:
                out.write("%s %d %.1f %d\n" % (admin, pid, now_ms(), epoch))
            return
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
    """Each writer's log: (element, outcome, invoked, completed, shape:client)."""
    ops = []
    for path in paths:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 6:
                    ops.append((int(parts[0]), parts[1], float(parts[2]), float(parts[3]), parts[4] + ":" + parts[5]))
    return ops


def final_read(master):
    """Every element the writes left on the master (or, in a cluster, read through a proxy): the set, the moved list,
    and the SET ... GET keys."""
    host, port = master.rsplit(":", 1)
    r = redis.Redis(host=host, port=int(port), socket_timeout=30)
    final = {int(m) for m in r.smembers(SET_KEY)}
    final |= {int(m) for m in r.lrange(LIST_KEY, 0, -1)}
    final |= {int(k.decode()[len(KEY_PREFIX):]) for k in r.scan_iter(match=KEY_PREFIX + "*", count=1000)}
    return final


def check(args):
    """Jepsen's set checker. Prints one JSON object with the figures, and whether the scenario's bounds hold."""
    ops = read_ops(args.ops)
    attempted = {e for e, _, _, _, _ in ops}
    acked = {e: (ti, tc) for e, o, ti, tc, _ in ops if o == "ok"}
    kind_of = {e: kind for e, _, _, _, kind in ops}
    unknown = {e for e, o, _, _, _ in ops if o == "unknown"}
    failed = sum(1 for _, o, _, _, _ in ops if o == "fail")
    final = final_read(args.master)
    lost = {e: t for e, t in acked.items() if e not in final}
    acked_by_kind = {}
    lost_by_kind = {}
    for e in acked:
        acked_by_kind[kind_of[e]] = acked_by_kind.get(kind_of[e], 0) + 1
    for e in lost:
        lost_by_kind[kind_of[e]] = lost_by_kind.get(kind_of[e], 0) + 1
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
        "acked_by_kind": acked_by_kind,
        "lost_by_kind": lost_by_kind,
    }
    # The write gap: the longest any writer thread went between two acknowledged writes, from the fault until it healed
    # (a gap that ends after the fault began and begins before it healed).
    healed = args.fault_window[1] if args.fault_window is not None else float("inf")
    gap = 0.0
    by_thread = {}
    for e, o, ti, tc, _ in ops:
        if o == "ok":
            by_thread.setdefault(e // 10_000_000, []).append(tc)
    for times in by_thread.values():
        times.sort()
        for previous, following in zip(times, times[1:]):
            if following > args.fault_at and previous < healed:
                gap = max(gap, following - previous)
    result["write_gap_ms"] = round(gap)
    missing_kinds = [kind for kind in (args.kinds.split(",") if args.kinds else []) if acked_by_kind.get(kind, 0) == 0]
    violations = []
    if missing_kinds:
        violations.append("no write acknowledged for %s: the workload did not run there" % ", ".join(missing_kinds))
    if after_promotion > 0:
        violations.append("%d writes acknowledged after a replica was promoted were lost (two masters)" % after_promotion)
    if unexpected:
        violations.append("%d elements nobody wrote" % len(unexpected))
    if args.accepted_loss_at is not None:
        # The operator gave up on a replica (forget-replica --accept-loss) and was told what that loses: reported, not a violation.
        result["accepted_loss"] = len(lost)
        if promoted_at is not None and promoted_at < args.accepted_loss_at:
            violations.append("a replica was promoted %d ms before the operator accepted the loss" % (args.accepted_loss_at - promoted_at))
    elif args.no_lost_bound:
        pass  # a fault the mode makes no promise about: the figures are what it costs
    elif args.max_lost_window_ms is not None and window > args.max_lost_window_ms:
        violations.append("lost %d acknowledged writes over %d ms (bound %d ms)" % (len(lost), window, args.max_lost_window_ms))
    elif args.max_lost_window_ms is None and lost:
        violations.append("lost %d acknowledged writes (bound 0)" % len(lost))
    if args.max_new_master_ms is not None and (promoted_at is None or promoted_at - args.fault_at > args.max_new_master_ms):
        violations.append("no new master within %d ms" % args.max_new_master_ms)
    if args.max_write_gap_ms is not None and gap > args.max_write_gap_ms:
        violations.append("a writer went %d ms without an acknowledged write across the fault (bound %d ms)" % (gap, args.max_write_gap_ms))
    if args.no_new_master and promoted_at is not None:
        violations.append("a replica was promoted although the master never failed (%d ms after the fault)" % (promoted_at - args.fault_at))
    if args.no_new_master_before is not None and promoted_at is not None and promoted_at < args.no_new_master_before:
        violations.append("a replica was promoted while the fault lasted (%d ms after it began)" % (promoted_at - args.fault_at))
    if args.fault_window is not None:
        start, end = args.fault_window
        during = sum(1 for ti, tc in acked.values() if ti >= start and tc <= end)
        result["acked_during_fault"] = during
        if args.min_acked_during_fault is not None and during < args.min_acked_during_fault:
            violations.append("%d writes acknowledged during the fault (at least %d expected)" % (during, args.min_acked_during_fault))
        if args.max_acked_during_fault is not None and during > args.max_acked_during_fault:
            violations.append("%d writes acknowledged during the fault (at most %d allowed)" % (during, args.max_acked_during_fault))
    if args.max_errors is not None and failed + len(unknown) > args.max_errors:
        violations.append("%d writes failed and %d have an unknown outcome (bound %d in all)" % (failed, len(unknown), args.max_errors))
    result["violations"] = violations
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("writer")
    w.add_argument("--host", required=True)
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--prefix", type=int, required=True, help="makes this writer's elements unique")
    w.add_argument("--mix", default="sadd:anon,sadd:anon", help="one thread per shape:client")
    w.add_argument("--proxy-password", default="")
    w.add_argument("--interval-ms", type=float, default=5)
    w.add_argument("--timeout-s", type=float, default=2)
    w.add_argument("--out", required=True)
    w.add_argument("--stop", required=True)
    w.add_argument("--ready", required=True)
    w.add_argument("--key-tag", default=None, help="every key in this hash tag's slot (a cluster)")
    o = sub.add_parser("observer")
    o.add_argument("--nodes", required=True)
    o.add_argument("--interval-ms", type=float, default=10)
    o.add_argument("--out", required=True)
    o.add_argument("--stop", required=True)
    o.add_argument("--ready", required=True)
    f = sub.add_parser("leader-freeze")
    f.add_argument("--members", required=True, help="admin-host:port=pid,...")
    f.add_argument("--freeze-s", type=float, default=15)
    f.add_argument("--kill-all", action="store_true", help="SIGKILL every member instead of freezing the leader")
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
    c.add_argument("--no-new-master-before", type=float, default=None,
                   help="no failover before this time (ms since the epoch): the fault's end, after which one may follow")
    c.add_argument("--fault-window", type=float, nargs=2, default=None, metavar=("FROM", "TO"),
                   help="wall-clock ms: counts the writes invoked and acknowledged within it")
    c.add_argument("--kinds", default=None, help="shape:client,...: each must have acknowledged writes")
    c.add_argument("--accepted-loss-at", type=float, default=None,
                   help="wall-clock ms the operator accepted losing writes: lost ones are reported, and no promotion may come before")
    c.add_argument("--no-lost-bound", action="store_true", help="the mode promises nothing for this fault: report the figures")
    c.add_argument("--max-write-gap-ms", type=float, default=None, help="bound on any writer's gap between acknowledgements")
    c.add_argument("--min-acked-during-fault", type=int, default=None)
    c.add_argument("--max-acked-during-fault", type=int, default=None)
    c.add_argument("--key-tag", default=None, help="the writers' --key-tag")
    c.add_argument("--max-errors", type=int, default=None, help="bound on writes that failed or whose outcome is unknown")
    args = parser.parse_args()
    if getattr(args, "key_tag", None):
        use_key_tag(args.key_tag)
    {"writer": writer, "observer": observer, "leader-freeze": leader_freeze, "check": check}[args.command](args)


if __name__ == "__main__":
    main()
