#!/usr/bin/env python3
"""report.py: turns the raw figures bench/run left in its work dir into a
Markdown section, appended to the results file (earlier runs are kept, so
the trend shows).

usage: report.py WORKDIR MODE OUTFILE
"""
import os
import statistics
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def tsv(path):
    """The rows of a tab-separated file, or none when it is missing."""
    try:
        with open(path, encoding="utf-8") as f:
            return [line.rstrip("\n").split("\t") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def fmt_ratio(a, b):
    return f"{a / b:.2f}" if b > 0 else "-"


def main():
    work, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
    machine = tsv(os.path.join(work, "machine.tsv"))
    scenarios = tsv(os.path.join(work, "scenarios.tsv"))
    raw = tsv(os.path.join(work, "raw.tsv"))
    rss = {(r[0], r[1]): tuple(int(x) for x in r[2].split())
           for r in tsv(os.path.join(work, "rss.tsv"))}
    targets = tsv(os.path.join(work, "targets.tsv"))
    skips = tsv(os.path.join(work, "skips.tsv"))
    notes = tsv(os.path.join(work, "notes.tsv"))

    # runs[scenario][peer] = list of (rps, p50_ms, p99_ms, errors, MB/s)
    runs, order, kinds = {}, {}, {}
    for r in raw:
        sc, peer = r[0], r[1]
        req, dur, nbytes = int(r[3]), int(r[4]), int(r[5])
        errors = sum(int(x) for x in r[6:11])
        k = kinds.setdefault((sc, peer), [0] * 5)
        for i in range(5):
            k[i] += int(r[6 + i])
        secs = dur / 1e6 if dur > 0 else 1
        ticks = int(r[15]) if len(r) > 15 else 0
        runs.setdefault(sc, {}).setdefault(peer, []).append(
            (req / secs, int(r[11]) / 1000, int(r[13]) / 1000, errors,
             nbytes / secs / 1048576, ticks, req))
        order.setdefault(sc, [])
        if peer not in order[sc]:
            order[sc].append(peer)

    # Bulk scenarios (downloads) are compared by bytes per second: a 100 MiB
    # run completes few requests, and its partial ones still moved bytes.
    bulk = {sc for sc, peers in runs.items()
            if any(x[4] > 50 for rs in peers.values() for x in rs)}
    best = {}
    for sc, peers in runs.items():
        for peer, rs in peers.items():
            b = max(rs, key=lambda x: x[4] if sc in bulk else x[0])
            # CPU per request over all rounds: busy time of the peer's own
            # processes (not nginx's, not wrk's) divided by its requests.
            nreq = sum(x[6] for x in rs)
            cpu_us = sum(x[5] for x in rs) * 1e6 / TICKS / nreq if nreq else 0
            best[(sc, peer)] = (b[0], b[1], b[2], sum(x[3] for x in rs),
                                b[4], [x[0] for x in rs], cpu_us,
                                b[4] if sc in bulk else b[0])

    lines = []
    new_file = not os.path.exists(out)
    if new_file:
        lines += [f"# Benchmark results, {time.strftime('%Y-%m-%d', time.gmtime())}",
                  "",
                  "Written by `bench/run`; each run is appended as its own "
                  "section. Figures are requests per second through one "
                  "nginx on loopback; see bench/README.md for how to read "
                  "them.", ""]
    lines += [f"## Run at {time.strftime('%H:%M', time.gmtime())} UTC "
              f"(`bench/run{'' if mode == 'run' else ' --' + mode}`)", ""]
    lines += [f"- {k}: {v}" for k, v in machine]
    lines += ["- the load generator (wrk) shares the machine's cores with "
              "nginx and the peers, and other work may run on the machine "
              "meanwhile: read ratios between peers measured in the same "
              "run, not absolute figures", ""]

    for sc, title, conns in scenarios:
        peers = order.get(sc, [])
        if not peers:
            continue
        lines += [f"### {title}", "", f"wrk connections: {conns}"
                  + ("; ratios compare MiB/s" if sc in bulk else
                     "; ratios compare req/s"), ""]
        head = ["peer", "req/s", "p50 ms", "p99 ms", "errors"]
        if sc in bulk:
            head.append("MiB/s")
        head += [f"÷ {p}" for p in peers] + ["CPU µs/req", "RSS/worker MiB",
                                               "rounds req/s"]
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "---|" * len(head))
        for p in peers:
            rps, p50, p99, errs, mbs, rounds, cpu_us, metric = best[(sc, p)]
            cells = [p, f"{rps:.1f}" if rps < 100 else f"{rps:.0f}",
                     f"{p50:.2f}", f"{p99:.2f}", str(errs)]
            if sc in bulk:
                cells.append(f"{mbs:.0f}")
            cells += [fmt_ratio(metric, best[(sc, q)][7]) for q in peers]
            cells.append(f"{cpu_us:.0f}" if cpu_us else "-")
            kib, n = rss.get((sc, p), (0, 0))
            cells.append(f"{kib / 1024:.1f} (x{n})" if n else "-")
            cells.append(", ".join(f"{x:.1f}" if x < 100 else f"{x:.0f}"
                                   for x in rounds))
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        for p in peers:
            k = kinds.get((sc, p), [0] * 5)
            if sum(k):
                lines.append(f"- errors of {p} over all rounds: "
                             + ", ".join(f"{n} {w}" for n, w in zip(k, (
                                 "connect", "read", "write",
                                 "status (not 2xx/3xx)", "timeout"))))
        if any(sum(kinds.get((sc, p), [0])) for p in peers):
            lines.append("")
        for nsc, text in notes:
            if nsc == sc:
                lines.append(f"- {text}")
        if any(nsc == sc for nsc, _ in notes):
            lines.append("")
        if sc == "soak":
            lines += soak_lines(work)

    if targets:
        lines += ["### Targets", "",
                  "| scenario | goal | figure | met |", "|---|---|---|---|"]
        for sc, peer, ref, minimum, text in targets:
            if (sc, peer) not in best or (sc, ref) not in best:
                continue
            a, b = best[(sc, peer)], best[(sc, ref)]
            ratio = a[7] / b[7] if b[7] > 0 else 0
            ok = ratio >= float(minimum) and a[3] == 0
            lines.append(f"| {sc} | {text} | {peer} ÷ {ref} = {ratio:.2f}"
                         f"{'' if a[3] == 0 else f', {a[3]} errors'} | "
                         f"{'yes' if ok else '**no**'} |")
        lines.append("")
    lines += compare_lines(work, raw, bulk)
    if skips:
        lines += ["### Skipped", ""]
        lines += [f"- {title}: {reason}" for _, title, reason in skips]
        lines.append("")
    lines += ["Reproduce: `" + reproduce(work) + "`", ""]

    with open(out, "a", encoding="utf-8") as f:
        if not new_file:
            f.write("\n")
        f.write("\n".join(lines))


def compare_lines(work, raw, bulk):
    """BENCH_BEFORE's table: per round, AFTER÷REF and BEFORE÷REF (rows
    measured seconds apart in the same round); the medians of each, and
    the median of the per-round change (AFTER÷REF)÷(BEFORE÷REF)."""
    pairs = tsv(os.path.join(work, "compare.tsv"))
    if not pairs:
        return []
    per = {}
    for r in raw:
        secs = int(r[4]) / 1e6 if int(r[4]) > 0 else 1
        val = int(r[5]) / secs if r[0] in bulk else int(r[3]) / secs
        per[(r[0], r[1], int(r[2]))] = val
    out = ["### Before and after (BENCH_BEFORE)", "",
           "Per round: each build's figure over the reference measured in "
           "the same round; the change is the median of the per-round "
           "quotients.", "",
           "| scenario | reference | before ÷ ref | after ÷ ref | change "
           "| rounds |", "|---|---|---|---|---|---|"]
    for sc, after, before, ref in pairs:
        rounds = sorted({k[2] for k in per if k[0] == sc})
        a, b, c = [], [], []
        for n in rounds:
            x, y, z = (per.get((sc, after, n)), per.get((sc, before, n)),
                       per.get((sc, ref, n)))
            if not x or not y or not z:
                continue
            a.append(x / z)
            b.append(y / z)
            c.append((x / z) / (y / z))
        if not c:
            continue
        out.append(f"| {sc} | {ref} | {statistics.median(b):.3f} | "
                   f"{statistics.median(a):.3f} | "
                   f"{(statistics.median(c) - 1) * 100:+.1f} % | "
                   + ", ".join(f"{q:.3f}" for q in c) + " |")
    return out + [""]


def soak_lines(work):
    """Each worker's RSS at the start and the end of the soak run."""
    samples = tsv(os.path.join(work, "soak-rss.tsv"))
    first, last = {}, {}
    for t, pid, kib in samples:
        if t == "0":
            first[pid] = int(kib)
        elif t == "end":
            last[pid] = int(kib)
    both = [p for p in first if p in last]
    if not both:
        return ["- no worker lived through the whole soak run", ""]
    growth = [last[p] - first[p] for p in both]
    return [f"- worker RSS over the soak: {len(both)} workers alive "
            f"throughout; start mean {sum(first[p] for p in both) / len(both):.0f} KiB, "
            f"end mean {sum(last[p] for p in both) / len(both):.0f} KiB, "
            f"largest growth {max(growth)} KiB", ""]


def reproduce(work):
    """The command line bench/run recorded, which reruns it the same way."""
    try:
        with open(os.path.join(work, "command"), encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return "bench/run"


if __name__ == "__main__":
    main()
