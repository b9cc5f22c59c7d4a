#!/usr/bin/env python3
"""Starts a server command several times and measures, for each start, the milliseconds from
spawning the process to its first successful `tools/call echo` result, then its VmRSS one second
later (as the peer harness measures idle RSS) and the CPU time its threads used until that first
result. Polls every millisecond over raw sockets, so the figure has about 1 ms resolution (the
peer harness polls with curl every 10 ms). Prints each start on stderr and one line of medians.

usage: first-result.py [--rounds N] [--mode stateful|stateless] [--port P] [--cpu C] [--label L] -- COMMAND...
"""
import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time


def post(port, body, headers):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        head = ("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                "Accept: application/json, text/event-stream\r\nContent-Length: %d\r\n") % (port, len(body))
        for k, v in headers.items():
            head += "%s: %s\r\n" % (k, v)
        s.sendall((head + "Connection: close\r\n\r\n").encode() + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data
            data += chunk


def header(resp, name):
    for line in resp.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name:
            return v.strip().decode()
    return None


def ok(resp, expect):
    return resp[9:10] == b"2" and b'"result"' in resp and b'"error"' not in resp and expect in resp


def first_result(port, mode, proto):
    """One attempt at what the peer harness counts: the handshake (stateful) and one echo call."""
    headers = {"MCP-Protocol-Version": proto}
    if mode == "stateful":
        init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": proto, "capabilities": {}, "clientInfo": {"name": "startup", "version": "1.0.0"}}}).encode()
        r = post(port, init, {})
        if not ok(r, b'"protocolVersion"'):
            return False
        headers["Mcp-Session-Id"] = header(r, b"mcp-session-id")
        if post(port, b'{"jsonrpc":"2.0","method":"notifications/initialized"}', headers)[9:10] != b"2":
            return False
        body = b'{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}'
    else:
        headers.update({"Mcp-Method": "tools/call", "Mcp-Name": "echo"})
        body = ('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"},'
                '"_meta":{"io.modelcontextprotocol/protocolVersion":"%s","io.modelcontextprotocol/clientCapabilities":{}}}}' % proto).encode()
    return ok(post(port, body, headers), b'"text":"hello"')


def cpu_ms(pid):
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except OSError:
            pass
    return total / 1e6


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--mode", choices=["stateful", "stateless"], default="stateful")
    p.add_argument("--proto")
    p.add_argument("--port", type=int, default=3041)
    p.add_argument("--cpu", default="0")
    p.add_argument("--label", default="server")
    p.add_argument("cmd", nargs=argparse.REMAINDER)
    a = p.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    proto = a.proto or ("2025-11-25" if a.mode == "stateful" else "2026-07-28")
    ttfr, rss, cpu = [], [], []
    for i in range(a.rounds):
        t0 = time.perf_counter()
        proc = subprocess.Popen(["taskset", "-c", a.cpu] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            while True:
                try:
                    if first_result(a.port, a.mode, proto):
                        break
                except OSError:
                    pass
                if proc.poll() is not None:
                    sys.exit("first-result.py: %s exited during start-up (code %s)" % (a.label, proc.returncode))
                if time.perf_counter() - t0 > 60:
                    sys.exit("first-result.py: %s gave no result within 60 s" % a.label)
                time.sleep(0.001)
            ttfr.append((time.perf_counter() - t0) * 1000)
            cpu.append(cpu_ms(proc.pid))
            time.sleep(1)
            rss.append(rss_mib(proc.pid))
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        print("  %s start %d: %.1f ms, cpu %.1f ms, %.1f MiB" % (a.label, i + 1, ttfr[-1], cpu[-1], rss[-1]), file=sys.stderr)
        time.sleep(0.3)
    print("%s\t%s\tTTFR ms median %.1f (min %.1f, max %.1f)\tCPU ms median %.1f\tidle RSS MiB median %.1f (min %.1f, max %.1f)\tstarts %d" % (
        a.label, a.mode, statistics.median(ttfr), min(ttfr), max(ttfr), statistics.median(cpu),
        statistics.median(rss), min(rss), max(rss), len(ttfr)), flush=True)


main()
